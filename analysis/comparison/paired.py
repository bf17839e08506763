"""Each strategy against the baseline, paired by replication (common random numbers)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.comparison.breakdown import (
    MATERIAL_SHARE,
    breakdown,
    join_segment_sums,
    material_losses,
    segment_sums,
)
from analysis.comparison.decomposition import PARTS, Decomposition, deal_sums, decompose
from analysis.comparison.moves import Move, kpi_moves
from analysis.comparison.pilot import (
    PilotResult,
    agents_at_risk,
    attach_placebo,
    pilot_effects,
)
from analysis.comparison.results import Results
from analysis.comparison.stats import (
    Dip,
    Interval,
    bootstrap,
    dip_and_recovery,
    paired_t,
    rolling_mean,
    shrinks,
    wilson,
)
from analysis.comparison.windows import Timing, Windows, payback_weeks, timing, windows
from sim.experiments.outcomes import per_100_deals
from sim.market.ledger import BROKEN_COLUMNS
from sim.vocab import WEEKS_PER_QUARTER

QUARTER = WEEKS_PER_QUARTER
NINE_MONTHS = 3 * WEEKS_PER_QUARTER
DIET_WINDOW = WEEKS_PER_QUARTER
DIP_SHOWN = -0.5  # a dip shallower than this (percent of the baseline) is not told
DIP_WEEKS = 4     # the dip curve is a trailing mean over this many weeks (rolling_mean)
# The dip curve's 95% band: bootstrap means over futures, this many draws from this seed (a
# fixed seed, so the same results give the same band).
BAND_DRAWS = 1000
BAND_SEED = 0
KPI_CHANGES = ("conflicts_per_100_deals", "price_dumping", "agents_active", "top20_share",
               "fill_rate", "relationships_broken", "agents_on_paper", "agents_defected",
               "mean_commitment", "deals_unserved")
# Weekly figures a change is judged on by their mean from the strategy's start (the ones
# missing from a table, e.g. results stored before they were counted, are left out).
MEANS = ("price_dumping", "agents_active", "top20_share", "fill_rate", "agents_on_paper",
         "agents_defected", "mean_commitment", "deals_unserved")
# Weekly counts a change is judged on by their total from the strategy's start (the rest
# by their weekly mean).
SUMMED = ("relationships_broken",)


@dataclass
class StrategyResult:
    """Everything ``compare`` finds for one strategy (money in the scenario's currency)."""

    name: str
    reps: int
    start_week: int
    turnover_base: float  # mean cumulative baseline turnover over the horizon
    turnover_change: Interval  # paired t interval of the cumulative difference
    turnover_change_boot: Interval
    turnover_change_pct: Interval
    margin_change: Interval
    margin_change_boot: Interval
    margin_change_pct: Interval
    quarters: pd.DataFrame
    p_shrink: Interval
    p_shrink_material: Interval
    p_shrink_9m: Interval
    p_shrink_9m_material: Interval
    p_diet: Interval
    p_diet_baseline: Interval
    diet: Interval  # season-adjusted: 13 weeks after the start against 13 before the first
    # effect (%)
    dip: Dip
    dip_curve: pd.DataFrame  # week, diff (mean, 4-week rolling), low, high, baseline
    share_not_recovered: float
    kpi_changes: dict[str, Interval]
    pairing_variance: float
    unpaired_variance: float
    pilot: PilotResult | None = None
    at_risk: pd.DataFrame | None = None
    per_rep: pd.DataFrame = field(default_factory=pd.DataFrame)
    windows: Windows | None = None      # the headline's windows (after the first effect, ...)
    recovery: Timing | None = None      # per future: when the dip is recovered
    payback: Timing | None = None       # per future: when cumulative Δ margin stays >= 0
    label: str = ""  # the name shown (the folder name ``name`` may be a safe spelling of it)
    kpi_base: dict[str, float] = field(default_factory=dict)  # baseline level of each KPI
    decomposition: Decomposition | None = None  # where Δ turnover comes from (deals table)
    losses: pd.DataFrame | None = None  # breakdown rows losing more than the share
    dip_parts: Decomposition | None = None  # the decomposition of the quarter to the dip

    @property
    def at_risk_to_turnover(self) -> bool:
        """Marked as a risk in the report: turnover falls, or some part loses materially."""
        return (self.turnover_change.estimate < 0
                or (self.losses is not None and not self.losses.empty))

    @property
    def moves(self) -> list[Move]:
        """The KPIs moved materially, largest effect first."""
        return kpi_moves(self.kpi_changes, self.kpi_base)

    @property
    def title(self) -> str:
        """The strategy's name as the user wrote it."""
        return self.label or self.name

    @property
    def pairing_gain(self) -> float:
        """How many times smaller the paired variance is than the unpaired one."""
        return self.unpaired_variance / self.pairing_variance if self.pairing_variance else np.inf


@dataclass
class Comparison:
    """The comparison of several strategies with one baseline."""

    baseline: str
    material: float
    weeks: int
    currency: str
    strategies: dict[str, StrategyResult]
    material_share: float = MATERIAL_SHARE  # a part losing more than this is named

    def summary(self) -> pd.DataFrame:
        """One row per strategy with the headline figures."""
        return pd.DataFrame([summary_row(r, self.material) for r in self.strategies.values()])


def _wide(k: pd.DataFrame, name: str, col: str) -> pd.DataFrame:
    return k[k["scenario"] == name].pivot(index="rep", columns="week", values=col).sort_index()


def _window_sum(wide: pd.DataFrame, lo: int, hi: int) -> np.ndarray:
    cols = [w for w in wide.columns if lo <= w < hi]
    return wide[cols].to_numpy().sum(axis=1)


def _share(mask: np.ndarray) -> Interval:
    return wilson(int(np.sum(mask)), len(mask))


def _change(diff: np.ndarray, base: np.ndarray) -> tuple[Interval, Interval, Interval]:
    t = paired_t(diff)
    scale = 100.0 / base.mean() if base.mean() else 0.0
    pct = Interval(t.estimate * scale, t.low * scale, t.high * scale)
    return t, bootstrap(diff), pct


def _kpi_window(k: pd.DataFrame, name: str, start: int) -> pd.DataFrame:
    part = k[(k["scenario"] == name) & (k["week"] >= start)]
    g = part.groupby("rep")
    out = g[[c for c in MEANS if c in part]].mean()
    for c in SUMMED:
        out[c] = g[c].sum() if c in part else 0.0   # results stored before it was counted
    out["conflicts_per_100_deals"] = per_100_deals(g["conflicts"].sum(),
                                                   g["deals_created"].sum())
    return out.sort_index()


def relationships_by(k: pd.DataFrame, baseline: str, name: str, start: int) -> pd.DataFrame:
    """Relationships broken from ``start`` on, by channel and by segment: mean per future.

    Returns:
        One row per breakdown (``distributor`` ... ``project``) with the baseline's count,
        the strategy's and the change (empty for results stored before it was counted).

    """
    cols = [c for c in BROKEN_COLUMNS if c != "relationships_broken" and c in k]
    rows = []
    for c in cols:
        b, s_ = (k[(k["scenario"] == n) & (k["week"] >= start)].groupby("rep")[c].sum()
                 for n in (baseline, name))
        rows.append({"by": c.removeprefix("relationships_broken_"), "baseline": b.mean(),
                     "strategy": s_.mean(), "change": (s_ - b).mean()})
    return pd.DataFrame(rows, columns=["by", "baseline", "strategy", "change"])


def season_adjusted(s_after: np.ndarray, s_before: np.ndarray, b_after: np.ndarray,
                    b_before: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each future's change after against before, over the baseline's average change.

    ``s_after / s_before / (mean(b_after) / mean(b_before)) - 1`` for the strategy (and the
    same for the baseline itself): seasons and growth move the baseline too, so what is
    left is the strategy's doing (and, for the baseline, the noise an owner sees anyway).
    """
    seasonal = b_after.mean() / b_before.mean() if b_before.mean() else 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ds = np.where(s_before > 0, s_after / s_before / seasonal - 1.0, 0.0)
        db = np.where(b_before > 0, b_after / b_before / seasonal - 1.0, 0.0)
    return ds, db


def compare_one(k: pd.DataFrame, baseline: str, name: str, start: int,
                material: float, first_effect: int | None = None,
                full: int | None = None) -> StrategyResult:
    """Paired statistics of one strategy against the baseline from the KPI table.

    ``first_effect`` (default ``start``) and ``full`` (default ``start``) open the
    headline's windows (:mod:`analysis.comparison.windows`).
    """
    tb, ts = _wide(k, baseline, "turnover"), _wide(k, name, "turnover")
    reps = tb.index.intersection(ts.index)
    tb, ts = tb.loc[reps], ts.loc[reps]
    mb, ms = _wide(k, baseline, "margin").loc[reps], _wide(k, name, "margin").loc[reps]
    weeks = tb.columns.to_numpy()
    cum_b, cum_s = tb.to_numpy().sum(axis=1), ts.to_numpy().sum(axis=1)
    diff = cum_s - cum_b
    t_change = _change(diff, cum_b)
    m_change = _change(ms.to_numpy().sum(axis=1) - mb.to_numpy().sum(axis=1),
                       mb.to_numpy().sum(axis=1))

    quarter = (weeks - 1) // QUARTER + 1
    rows = []
    for q in np.unique(quarter):
        cols = weeks[quarter == q]
        row = {"quarter": int(q), "weeks": f"{cols[0]}-{cols[-1]}"}
        for label, s_arm, b_arm in (("turnover", ts, tb), ("margin", ms, mb)):
            base_q = b_arm[cols].to_numpy().sum(axis=1)
            t, boot, pct = _change(s_arm[cols].to_numpy().sum(axis=1) - base_q, base_q)
            row.update({f"{label}_change": t.estimate, f"{label}_low": t.low,
                        f"{label}_high": t.high, f"{label}_boot_low": boot.low,
                        f"{label}_boot_high": boot.high, f"{label}_change_pct": pct.estimate})
        rows.append(row)

    end9 = start + NINE_MONTHS
    d9 = _window_sum(ts, start, end9) - _window_sum(tb, start, end9)
    b9 = _window_sum(tb, start, end9)
    # the "diet": 13 weeks after the start against the 13 weeks before the first effect
    # (an announcement's forward buying is not "before"), like with like: each future's
    # change over the change the baseline shows on average (seasons, growth)
    pre_end = min(first_effect or start, start)
    s_after = _window_sum(ts, start, start + DIET_WINDOW)
    s_before = _window_sum(ts, pre_end - DIET_WINDOW, pre_end)
    b_after = _window_sum(tb, start, start + DIET_WINDOW)
    b_before = _window_sum(tb, pre_end - DIET_WINDOW, pre_end)
    diet_s, diet_b = season_adjusted(s_after, s_before, b_after, b_before)

    d_weekly = rolling_mean(ts.to_numpy() - tb.to_numpy(), DIP_WEEKS)
    b_weekly = rolling_mean(tb.to_numpy(), DIP_WEEKS)
    curve, base_curve = d_weekly.mean(axis=0), b_weekly.mean(axis=0)
    rng = np.random.default_rng(BAND_SEED)
    boot = d_weekly[rng.integers(0, len(reps), size=(BAND_DRAWS, len(reps)))].mean(axis=1)
    lo, hi = np.quantile(boot, [0.025, 0.975], axis=0)
    dip = dip_and_recovery(weeks, curve, base_curve, start)
    recovered = [dip_and_recovery(weeks, d_weekly[i], b_weekly[i], start).recovery_week
                 for i in range(len(reps))]
    not_recovered = np.mean([w is None for w in recovered])
    first_effect = first_effect or start

    kb, ks = _kpi_window(k, baseline, start).loc[reps], _kpi_window(k, name, start).loc[reps]
    kpi_changes = {c: paired_t((ks[c] - kb[c]).to_numpy()) for c in KPI_CHANGES if c in kb}

    per_rep = pd.DataFrame({"rep": reps, "turnover_baseline": cum_b, "turnover_strategy": cum_s,
                            "turnover_change": diff, "change_9m": d9})
    return StrategyResult(
        name=name, reps=len(reps), start_week=start, turnover_base=float(cum_b.mean()),
        turnover_change=t_change[0], turnover_change_boot=t_change[1],
        turnover_change_pct=t_change[2], margin_change=m_change[0],
        margin_change_boot=m_change[1], margin_change_pct=m_change[2],
        quarters=pd.DataFrame(rows),
        p_shrink=_share(shrinks(diff)), p_shrink_material=_share(shrinks(diff, cum_b, material)),
        p_shrink_9m=_share(shrinks(d9)), p_shrink_9m_material=_share(shrinks(d9, b9, material)),
        p_diet=_share(diet_s < 0), p_diet_baseline=_share(diet_b < 0),
        diet=paired_t(100.0 * diet_s),
        dip=dip,
        dip_curve=pd.DataFrame({"week": weeks, "diff": curve, "low": lo, "high": hi,
                                "baseline": base_curve}),
        share_not_recovered=float(not_recovered), kpi_changes=kpi_changes,
        kpi_base={c: float(kb[c].mean()) for c in kpi_changes},
        pairing_variance=float(np.var(diff, ddof=1)) if len(diff) > 1 else 0.0,
        unpaired_variance=float(np.var(cum_s, ddof=1) + np.var(cum_b, ddof=1))
        if len(diff) > 1 else 0.0,
        per_rep=per_rep,
        windows=windows(ts, tb, ms, mb, first_effect, full or start),
        recovery=timing(recovered), payback=timing(payback_weeks(ms, mb, first_effect)),
    )


def compare(results, baseline: str | None = None, strategies: list[str] | None = None,
            material: float = -0.01, starts: dict[str, int] | None = None,
            material_share: float = MATERIAL_SHARE) -> Comparison:
    """Compare strategies with the baseline, replication by replication.

    Args:
        results: a comparison folder (``channelsim compare --out``) or its loaded
            :class:`~analysis.results.Results`, or a KPI table with
            ``scenario, rep, week`` columns (then the pilot and agents-at-risk parts, which
            need the other tables, are left out).
        baseline: the baseline's name (default: the folder's baseline).
        strategies: names to compare (default: every other scenario).
        material: the materiality threshold as a fraction of baseline turnover (-0.01: a
            shrink worse than 1%).
        starts: first week of each strategy (default: from the folder's manifest, else 1).
        material_share: a channel, region or segment losing more than this share of its
            baseline over the headline's window is named (0.2: 20%).

    """
    manifest, by_region, agents, deals = None, None, None, None
    meta, cube = None, None
    if isinstance(results, (str, Path)):
        results = Results(results)
    if isinstance(results, Results):
        manifest = results.manifest
        k, by_region, agents = (results.table(t) for t in ("kpis", "by_region", "agents"))
        deals = results if results.has("deals") else None
        meta, cube = results.placebo()       # read once for every strategy's pilot
    else:
        k = results
    names = list(dict.fromkeys(k["scenario"]))
    baseline = baseline or (manifest["baseline"] if manifest else names[0])
    strategies = strategies or [n for n in (manifest["order"] if manifest else names)
                                if n != baseline]
    out = {}
    for name in strategies:
        ro = manifest["scenarios"][name]["rollout"] if manifest else None
        start = (starts or {}).get(name) or (ro["start_week"] if ro else 1)
        r = compare_one(k, baseline, name, start, material,
                        first_effect=ro.get("first_effect_week") if ro else None,
                        full=ro.get("full_week") if ro else None)
        r.label = manifest["scenarios"][name].get("label", name) if manifest else name
        if ro is not None and by_region is not None:
            r.pilot = pilot_effects(by_region, baseline, name, ro,
                                    manifest["scenarios"][name]["regions"])
            if r.pilot is not None and meta is not None:
                attach_placebo(r.pilot, meta, cube)
        if agents is not None:
            r.at_risk = agents_at_risk(agents, baseline, name, start)
        if deals is not None:
            attach_decomposition(r, k, by_region, deals.chunks("deals", [baseline, name],
                                                               DEAL_COLUMNS),
                                 baseline, material_share)
        out[name] = r
    currency = manifest["scenarios"][baseline]["currency"] if manifest else ""
    return Comparison(baseline, material, int(k["week"].max()), currency, out,
                      material_share)


def _categories(table: pd.DataFrame | None) -> pd.DataFrame | None:
    """Text columns as categories: a large table slices many times faster."""
    if table is None:
        return None
    text = [c for c in table.columns if pd.api.types.is_string_dtype(table[c])
            or table[c].dtype == object]
    return table.astype(dict.fromkeys(text, "category"))


def _pair(table: pd.DataFrame, baseline: str, name: str, first: int) -> pd.DataFrame:
    """The two arms' rows from week ``first`` on, text columns as categories."""
    part = table[table["scenario"].isin([baseline, name]).to_numpy()
                 & (table["week"] >= first).to_numpy()]
    return _categories(part)


# what the decomposition and the segment breakdown read of the deals
DEAL_COLUMNS = ["week", "deal", "segment", "bids", "channel", "value", "sell_through"]


def attach_decomposition(r: StrategyResult, k: pd.DataFrame, by_region: pd.DataFrame | None,
                         deals: pd.DataFrame | Iterable[pd.DataFrame], baseline: str,
                         material_share: float = MATERIAL_SHARE) -> None:
    """Give ``r`` its decomposition and breakdowns over the headline's window, and its losses.

    ``deals`` is both arms' deals table, or the same cut by futures (consecutive groups of
    replications, as :meth:`Results.chunks` reads them): every deal figure is a sum over one
    future's deals, so the result is the same, and only one group is held at a time.
    """
    first = r.windows.first_effect_week
    k, by_region = (None if t is None else _pair(t, baseline, r.name, first)
                    for t in (k, by_region))
    w = r.dip.week
    dip = (max(first, w - DIP_WEEKS + 1), w) if r.dip.depth_pct < DIP_SHOWN else None
    head, segments, dips = [], [], []
    for part in ([deals] if isinstance(deals, pd.DataFrame) else deals):
        part = _pair(part, baseline, r.name, first)
        head.append(deal_sums(part, baseline, r.name, first))
        segments.append(segment_sums(part, baseline, r.name, first))
        if dip is not None:          # the weeks the dip's rolling mean is taken over
            dips.append(deal_sums(part, baseline, r.name, *dip))
    table = breakdown(k, by_region, None, baseline, r.name, first,
                      segments=join_segment_sums(segments))
    r.decomposition = decompose(k, None, baseline, r.name, first, table, sums=pd.concat(head))
    if dip is not None:
        r.dip_parts = decompose(k, None, baseline, r.name, dip[0], last=dip[1],
                                sums=pd.concat(dips))
    r.losses = material_losses(table, material_share)


def summary_row(r: StrategyResult, material: float) -> dict:
    """The headline figures of one strategy, flat, for tables and CSV."""
    row = {
        "strategy": r.title, "reps": r.reps, "start_week": r.start_week,
        "turnover_change": r.turnover_change.estimate,
        "turnover_change_pct": r.turnover_change_pct.estimate,
        "turnover_change_pct_low": r.turnover_change_pct.low,
        "turnover_change_pct_high": r.turnover_change_pct.high,
        "turnover_change_boot_low": r.turnover_change_boot.low,
        "turnover_change_boot_high": r.turnover_change_boot.high,
        "margin_change_pct": r.margin_change_pct.estimate,
        "p_shrink": r.p_shrink.estimate,
        f"p_shrink_worse_than_{abs(material):.0%}": r.p_shrink_material.estimate,
        "p_shrink_9m": r.p_shrink_9m.estimate,
        "p_diet": r.p_diet.estimate, "p_diet_baseline": r.p_diet_baseline.estimate,
        "diet_pct": r.diet.estimate, "diet_pct_low": r.diet.low, "diet_pct_high": r.diet.high,
        "dip_pct": r.dip.depth_pct, "dip_week": r.dip.week,
        "recovery_week": r.dip.recovery_week if r.dip.recovery_week is not None else -1,
        "share_not_recovered": r.share_not_recovered,
        **_window_columns(r),
        "pairing_gain": r.pairing_gain,
    }
    for c, v in r.kpi_changes.items():
        row[f"change_{c}"] = v.estimate
    if r.pilot is not None:
        row.update(r.pilot.summary())
    if r.decomposition is not None:
        for p in PARTS:
            row[f"decomp_{p}"] = r.decomposition.parts[p].estimate
        row["material_losses"] = "; ".join(
            f"{x.by} {x.name} {x.measure} {x.pct:+.0f}%" for x in r.losses.itertuples())
    return row


def _window_columns(r: StrategyResult) -> dict:
    """The headline's windows, recovery and payback as flat columns."""
    w = r.windows
    out = {}
    for key, iv in (("turnover_after_start_pct", w.turnover_after),
                    ("margin_after_start_pct", w.margin_after),
                    ("turnover_after_full_pct", w.turnover_after_full),
                    ("run_rate_pct", w.run_rate)):
        out.update({key: iv.estimate, f"{key}_low": iv.low, f"{key}_high": iv.high})
    out["first_effect_week"] = w.first_effect_week
    out["recovered_share"] = r.recovery.share
    out["recovery_week_median"] = r.recovery.median if r.recovery.median is not None else -1
    out["payback_share"] = r.payback.share
    out["payback_week_median"] = r.payback.median if r.payback.median is not None else -1
    return out
