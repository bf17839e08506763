"""What a pilot would have measured, and which channel agents a strategy puts at risk."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import comb

import numpy as np
import pandas as pd

from analysis.comparison.pilot_power import (
    MAX_ASSIGNMENTS,
    METRICS,
    Detectability,
    PilotWindows,
    cube_totals,
    detectability,
    randomisation_p_of,
    region_totals,
    smallest_p,
    window_totals,
)

ROLLOUT_WINDOW = 40  # weeks W2 .. W2+39 for the true effect of the full rollout
LEVEL = 0.05


@dataclass
class PilotResult:
    """A pilot's measured effect against the truth, per replication (percent)."""

    pilot_regions: list[str]
    pilot_week: int
    full_week: int
    measured: np.ndarray  # difference-in-differences a consultant would report
    true_pilot: np.ndarray  # strategy vs baseline in the pilot regions during the pilot
    true_rollout: np.ndarray  # strategy vs baseline everywhere over W2 .. W2+39
    spillover: np.ndarray  # strategy vs baseline in the control regions during the pilot
    last_week: int = 0  # the pilot's last week in the horizon (full_week - 1 when it is whole)
    windows: PilotWindows | None = None
    n_regions: int = 0
    metrics: dict = field(default_factory=dict)  # per metric: measured, true_pilot, ri_p
    detect: dict[str, Detectability] = field(default_factory=dict)  # with a placebo

    @property
    def smallest_p(self) -> float:
        """The randomisation test's smallest p for this design, ``1/C(n, k)``."""
        return smallest_p(self.n_regions, len(self.pilot_regions))

    @property
    def ri_power(self) -> float:
        """Share of futures in which the randomisation test on turnover rejects at 5%."""
        p = self.metrics.get("turnover", {}).get("ri_p")
        return float("nan") if p is None else float(np.mean(p <= LEVEL + 1e-12))

    @property
    def rollout_in_horizon(self) -> bool:
        """Whether the horizon reaches the full rollout (else its effect is unknown)."""
        return bool(np.isfinite(self.true_rollout).all())

    @property
    def p_wrong_sign(self) -> float:
        """Share of futures where the measured sign differs from the true pilot effect's.

        Judged against the effect in the pilot regions over the same weeks (what the pilot
        could have measured), not against the full rollout's.
        """
        return float(np.mean(np.sign(self.measured) != np.sign(self.true_pilot)))

    @property
    def leakage_bias(self) -> float:
        """Mean of measured − true pilot effect: what leaks into the control regions."""
        return float(np.mean(self.measured - self.true_pilot))

    @property
    def p_miss_by_half(self) -> float:
        """Share of replications where the pilot misses the rollout effect by over half."""
        if not self.rollout_in_horizon:
            return float("nan")
        return float(np.mean(np.abs(self.measured - self.true_rollout)
                             > 0.5 * np.abs(self.true_rollout)))

    def summary(self) -> dict[str, float]:
        """Mean figures for the summary table."""
        return {"pilot_measured_pct": float(np.mean(self.measured)),
                "pilot_true_pct": float(np.mean(self.true_pilot)),
                "rollout_true_pct": float(np.mean(self.true_rollout)),
                "pilot_spillover_pct": float(np.mean(self.spillover)),
                "pilot_leakage_bias_pct": self.leakage_bias,
                "pilot_p_wrong_sign": self.p_wrong_sign,
                "pilot_p_miss_by_half": self.p_miss_by_half,
                "pilot_ri_smallest_p": self.smallest_p,
                "pilot_ri_power": self.ri_power,
                **self._detect_summary()}

    def _detect_summary(self) -> dict[str, float]:
        d = self.detect.get("turnover")
        if d is None:
            return {}
        return {"pilot_placebo_mean_pct": d.placebo_mean, "pilot_placebo_sd_pct": d.placebo_sd,
                "pilot_placebo_futures": d.placebo_futures,
                "pilot_threshold_pct": d.threshold, "pilot_mde_pct": d.mde,
                "pilot_power": d.power, "pilot_rejected": d.rejected}


def pilot_effects(by_region: pd.DataFrame, baseline: str, name: str, rollout: dict,
                  regions: list[str]) -> PilotResult | None:
    """Pilot vs control regions, as measured and as it truly was (None without a pilot).

    Measured: the difference-in-differences (``pilot_power.did``) between pilot and control
    regions, pilot window ``[W1, W2)`` against a pre-window as long that ends at the
    strategy's first effect (an announcement moves every region before W1), in the
    strategy's own run (all a consultant sees), per metric. True pilot effect: strategy −
    baseline in the pilot regions over ``[W1, W2)``; true rollout effect: strategy −
    baseline everywhere over ``W2 .. W2+39``; spillover: strategy − baseline in the control
    regions during the pilot. Turnover's figures fill the fields; every metric's are in
    ``metrics`` (``measured``, ``true_pilot`` and the randomisation test's p per future).
    """
    pilot = rollout.get("pilot_regions") or []
    w1, w2 = rollout.get("pilot_week"), rollout["full_week"]
    if not pilot or w1 is None or w2 <= w1:
        return None
    horizon = int(by_region["week"].max())
    if w1 > horizon:
        return None
    end = min(w2, horizon + 1)      # a horizon that ends during the pilot: its weeks so far
    w = PilotWindows.of(rollout.get("first_effect_week") or w1, w1, end)
    s = window_totals(by_region[by_region["scenario"] == name], regions, w)
    b = window_totals(by_region[by_region["scenario"] == baseline], regions, w)
    mask = s.mask(pilot)
    metrics = {}
    for m in (x for x in METRICS if s.has(x)):
        ri = (randomisation_p_of(lambda sel, m=m: s.estimate(m, sel, w), mask)
              if comb(len(regions), len(pilot)) <= MAX_ASSIGNMENTS else None)
        metrics[m] = {"measured": s.estimate(m, mask, w),
                      "true_pilot": s.true_effect(b, m, mask), "ri_p": ri}
    control = ~mask
    turnover = metrics["turnover"]

    def effect(sel: pd.DataFrame, lo: int, hi: int) -> np.ndarray:
        return 100.0 * (region_totals(sel[sel["scenario"] == name], regions, lo, hi,
                                      "turnover").sum(1)
                        / region_totals(sel[sel["scenario"] == baseline], regions, lo, hi,
                                        "turnover").sum(1) - 1.0)

    reps = len(turnover["measured"])
    return PilotResult(
        pilot_regions=list(pilot), pilot_week=w1, full_week=w2, last_week=end - 1,
        measured=turnover["measured"], true_pilot=turnover["true_pilot"],
        true_rollout=(effect(by_region, w2, w2 + ROLLOUT_WINDOW) if w2 <= horizon
                      else np.full(reps, np.nan)),
        spillover=(100.0 * (s.post["turnover"][:, control].sum(1)
                            / b.post["turnover"][:, control].sum(1) - 1.0)
                   if control.any() else np.zeros(reps)),
        windows=w, n_regions=len(regions), metrics=metrics)


def attach_placebo(result: PilotResult, meta: dict, cube: dict[str, np.ndarray]) -> None:
    """Fill ``result.detect``: each metric's placebo, power and errors, from a stored placebo.

    A placebo that does not cover this pilot's windows (or has other regions) is ignored.
    """
    w = result.windows
    if w is None or w.post_hi - 1 > meta["weeks"] or meta["regions"] is None:
        return
    totals = cube_totals(cube, meta["regions"], w)
    for m, got in result.metrics.items():
        if not totals.has(m):            # a placebo stored before its metric existed
            continue
        placebo = totals.estimate(m, result.pilot_regions, w)
        result.detect[m] = detectability(m, placebo, got["measured"], got["true_pilot"])


LOST_STATES = ("on_paper", "defected")


def agents_at_risk(agents: pd.DataFrame, baseline: str, name: str, start: int) -> pd.DataFrame:
    """Distributors and partners ranked by how much the strategy puts them at risk.

    Per agent, paired by replication: the change in its weekly gross margin (its sales
    less what it bought from the manufacturer) from the strategy's start, the change in
    its commitment at the horizon, and the share of replications in which it ends
    on paper (not selling) or defected under the strategy and under the baseline.
    """
    a = agents[agents["role"].isin(["distributor", "partner"])]
    a = a.assign(gross_margin=a["sell_through"] - a["purchases"])
    keys = ["rep", "agent_id"]

    def arm(n: str) -> pd.DataFrame:
        part = a[a["scenario"] == n]
        after = part[part["week"] >= start].groupby(keys)["gross_margin"].mean()
        last = part[part["week"] == part["week"].max()].set_index(keys)
        return pd.DataFrame({"gross_margin": after, "commitment": last["commitment"],
                             "lost": last["state"].isin(LOST_STATES)})

    s, b = arm(name), arm(baseline)
    both = s.add_suffix("_s").join(b.add_suffix("_b"), how="inner")
    both["margin_change"] = both["gross_margin_s"] - both["gross_margin_b"]
    both["commitment_change"] = both["commitment_s"] - both["commitment_b"]
    g = both.groupby("agent_id")
    out = pd.DataFrame({
        "margin_change": g["margin_change"].mean(),
        "commitment_change": g["commitment_change"].mean(),
        "p_lost": g["lost_s"].mean(),
        "p_lost_baseline": g["lost_b"].mean(),
    })
    info = a[a["scenario"] == baseline].drop_duplicates("agent_id").set_index("agent_id")
    cols = ["name", "role", "kind", "region"] if "name" in info else ["role", "kind", "region"]
    out = out.join(info[cols])
    if "name" not in out:                     # results written before agents had names
        out["name"] = out.index
    out["risk_increase"] = out["p_lost"] - out["p_lost_baseline"]
    return out.sort_values(["risk_increase", "margin_change"],
                           ascending=[False, True]).reset_index()
