"""Presenting a comparison: the terminal table, summary.csv and summary.json."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, is_dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.comparison.breakdown import BOOKED
from analysis.comparison.paired import Comparison, StrategyResult
from sim.experiments.store import write_atomic


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
        "p_shrink_9m_material", "p_diet", "p_diet_baseline", "diet", "dip", "share_not_recovered",
        "kpi_changes", "pairing_variance", "unpaired_variance")}
    out["pairing_gain"] = _plain(r.pairing_gain)
    for k in ("windows", "recovery", "payback"):
        out[k] = _plain(getattr(r, k))
    if r.pilot is not None:
        out["pilot"] = {**_plain(r.pilot.summary()), "per_rep": {
            "measured": _plain(r.pilot.measured), "true_pilot": _plain(r.pilot.true_pilot),
            "true_rollout": _plain(r.pilot.true_rollout),
            "spillover": _plain(r.pilot.spillover)},
            "windows": _plain(r.pilot.windows),
            "metrics": {m: {**_plain(d), "placebo_se": d.placebo_se}
                        for m, d in r.pilot.detect.items()}}
    if r.at_risk is not None:
        out["agents_at_risk"] = _plain(r.at_risk.head(20))
    out["kpis_moved"] = [{"kpi": m.kpi, "label": m.label, "baseline": _plain(m.baseline),
                          "change": _plain(m.change), "pct": _plain(m.pct)} for m in r.moves]
    if r.decomposition is not None:
        d = r.decomposition
        out["decomposition"] = {"first_effect_week": d.first_effect_week,
                                "total": _plain(d.total), "parts": _plain(d.parts),
                                "breakdown": _plain(d.breakdown), "booked": dict(BOOKED)}
        out["material_losses"] = _plain(r.losses)
    if r.dip_parts is not None:
        d = r.dip_parts
        out["dip_decomposition"] = {"first_week": d.first_effect_week, "last_week": d.last_week,
                                    "total": _plain(d.total), "parts": _plain(d.parts)}
    return out


def write_summary(comp: Comparison, folder: Path) -> None:
    """Write ``summary.csv`` (one row per strategy) and ``summary.json`` (everything)."""
    folder = Path(folder)
    write_atomic(folder / "summary.csv", comp.summary().to_csv(index=False))
    from analysis.studies.breakeven_words import load_breakeven, with_rests_on

    doc = with_rests_on({"baseline": comp.baseline, "material": comp.material,
                         "material_share": comp.material_share, "weeks": comp.weeks,
                         "currency": comp.currency,
                         "strategies": {n: strategy_json(r)
                                        for n, r in comp.strategies.items()}},
                        load_breakeven(folder))
    write_atomic(folder / "summary.json", json.dumps(doc, indent=2))
