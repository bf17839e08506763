"""Presenting a comparison: the terminal table, summary.csv and summary.json."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, is_dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from analysis.comparison import Comparison, StrategyResult
from sim.store import write_atomic


def _plain(x):
    """JSON-friendly copy of dataclasses, arrays, frames and numbers."""
    if is_dataclass(x):
        return {k: _plain(v) for k, v in asdict(x).items()}
    if isinstance(x, pd.DataFrame):
        return [_plain(r) for r in x.to_dict(orient="records")]
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [_plain(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return None if not math.isfinite(float(x)) else float(x)
    return x


def strategy_json(r: StrategyResult) -> dict:
    """Every figure of one strategy (the agents at risk cut to the 20 most exposed)."""
    out = {k: _plain(getattr(r, k)) for k in (
        "name", "reps", "start_week", "turnover_base", "turnover_change",
        "turnover_change_boot", "turnover_change_pct", "margin_change", "margin_change_boot",
        "margin_change_pct", "quarters", "p_shrink", "p_shrink_material", "p_shrink_9m",
        "p_shrink_9m_material", "p_diet", "p_diet_baseline", "dip", "share_not_recovered",
        "kpi_changes", "pairing_variance", "unpaired_variance")}
    out["pairing_gain"] = _plain(r.pairing_gain)
    if r.pilot is not None:
        out["pilot"] = {**_plain(r.pilot.summary()), "per_rep": {
            "measured": _plain(r.pilot.measured), "true_pilot": _plain(r.pilot.true_pilot),
            "true_rollout": _plain(r.pilot.true_rollout),
            "spillover": _plain(r.pilot.spillover)}}
    if r.at_risk is not None:
        out["agents_at_risk"] = _plain(r.at_risk.head(20))
    return out


def write_summary(comp: Comparison, folder: Path) -> None:
    """Write ``summary.csv`` (one row per strategy) and ``summary.json`` (everything)."""
    folder = Path(folder)
    write_atomic(folder / "summary.csv", comp.summary().to_csv(index=False))
    doc = {"baseline": comp.baseline, "material": comp.material, "weeks": comp.weeks,
           "currency": comp.currency,
           "strategies": {n: strategy_json(r) for n, r in comp.strategies.items()}}
    write_atomic(folder / "summary.json", json.dumps(doc, indent=2))


def _pct(iv, digits=1) -> str:
    return f"{iv.estimate:+.{digits}f}% [{iv.low:+.{digits}f}, {iv.high:+.{digits}f}]"


def _p(iv) -> str:
    return f"{iv.estimate:.0%}"


def print_comparison(comp: Comparison, console: Console | None = None) -> None:
    """The summary table a strategist reads first, plus the pilot and pairing notes."""
    console = console or Console(width=max(190, Console().width))
    t = Table(title=f"Strategies against {comp.baseline} "
                    f"({comp.weeks} weeks, paired by replication)")
    for col in ("strategy", "Δ turnover [95% CI]", "Δ margin", "P(shrink)",
                f"P(< -{abs(comp.material):.0%})", "P(shrink 9 mo)", "diet S/B", "worst dip",
                "recovered", "Δ confl./100", "Δ active"):
        t.add_column(col, justify="left" if col == "strategy" else "right", no_wrap=True)
    for r in comp.strategies.values():
        dip = r.dip
        rec = (f"week {dip.recovery_week}" if dip.recovery_week is not None else "not by end")
        t.add_row(r.title, _pct(r.turnover_change_pct), f"{r.margin_change_pct.estimate:+.1f}%",
                  _p(r.p_shrink), _p(r.p_shrink_material), _p(r.p_shrink_9m),
                  f"{_p(r.p_diet)} / {_p(r.p_diet_baseline)}",
                  f"{dip.depth_pct:+.1f}% (wk {dip.week})", rec,
                  f"{r.kpi_changes['conflicts_per_100_deals'].estimate:+.1f}",
                  f"{r.kpi_changes['agents_active'].estimate:+.1f}")
    console.print(t)
    for r in comp.strategies.values():
        notes = [f"{r.title}: {r.reps} replications; pairing makes the variance of the turnover "
                 f"difference {r.pairing_gain:,.0f}x smaller than unpaired runs would"]
        if r.pilot is not None:
            s = r.pilot.summary()
            rollout = (f"full rollout {s['rollout_true_pct']:+.1f}%, "
                       if r.pilot.rollout_in_horizon else "full rollout after the horizon, ")
            wrong = (f"; wrong sign in {s['pilot_p_wrong_sign']:.0%} of futures"
                     if r.pilot.rollout_in_horizon else "")
            notes.append(f"  pilot in {', '.join(r.pilot.pilot_regions)} (weeks "
                         f"{r.pilot.pilot_week}-{r.pilot.last_week}) would have measured "
                         f"{s['pilot_measured_pct']:+.1f}% against control regions; true effect "
                         f"there {s['pilot_true_pct']:+.1f}%, {rollout}spillover into controls "
                         f"{s['pilot_spillover_pct']:+.1f}%{wrong}")
        if r.at_risk is not None:
            top = r.at_risk[r.at_risk["risk_increase"] > 0].head(3)
            names = ", ".join(f"{a.agent_id} ({a.p_lost:.0%} of futures, baseline "
                              f"{a.p_lost_baseline:.0%})" for a in top.itertuples())
            notes.append("  more at risk of going inactive or defecting: "
                         + (names or "nobody, compared with the baseline"))
        for line in notes:
            console.print(line)
