"""Where the change comes from, as table rows for the report and the deck (one source each).

Both take a strategy's :class:`~analysis.comparison.decomposition.Decomposition` (computed
once, in :func:`analysis.comparison.paired.compare`) and format it; neither computes.
"""

from __future__ import annotations

import math

from analysis.comparison.breakdown import BOOKED
from analysis.comparison.decomposition import PARTS, SHORT_LABELS, decomposition_table

PARTS_HEADER = ["part of Δ turnover", "change", "95% CI", "share of Δ"]
BREAKDOWN_HEADER = ["by", "name", "measure", "baseline", "change", "95% CI", "change %",
                    "material loss"]


def _money(v: float) -> str:
    return f"{v:+,.0f}"


def _pct(v: float) -> str:
    return "n/a" if not math.isfinite(v) else f"{v:+.1f}%"


def parts_rows(d) -> list[list[str]]:
    """The decomposition's parts and total: label, change, interval, share of the total."""
    return [[row.label, _money(row.change), f"{_money(row.low)} to {_money(row.high)}",
             "" if row.part == "total" or not math.isfinite(row.share_of_total)
             else f"{row.share_of_total:.0%}"]
            for row in decomposition_table(d).itertuples()]


def breakdown_rows(d, losses) -> list[list[str]]:
    """The breakdown by channel, region and segment, material losses marked."""
    lost = set() if losses is None else {(x.by, x.name, x.measure)
                                        for x in losses.itertuples()}
    rows = []
    for x in d.breakdown.itertuples():
        count = x.measure.startswith("deals")
        fmt = (lambda v: f"{v:+,.1f}") if count else _money
        rows.append([x.by, x.name, x.measure.replace("_", " "),
                     f"{x.baseline:,.1f}" if count else f"{x.baseline:,.0f}", fmt(x.change),
                     f"{fmt(x.low)} to {fmt(x.high)}", _pct(x.pct),
                     "yes" if (x.by, x.name, x.measure) in lost else ""])
    return rows


def booked_notes() -> list[str]:
    """How turnover is booked in each breakdown, one line each."""
    return [f"By {k}: {v}." for k, v in BOOKED.items()]


def deck_parts(comp) -> tuple[list[str], list[list[str]]] | None:
    """The deck's appendix table: one row per strategy, its parts of Δ turnover and total.

    Columns: the strategy, the first effect week, each part's mean
    change per future and the total (None when no strategy has a decomposition).
    """
    shown = [r for r in comp.strategies.values() if r.decomposition is not None]
    if not shown:
        return None
    header = ["strategy", "from week", *(SHORT_LABELS[p] for p in PARTS), "Δ turnover"]
    rows = [[r.title, str(r.decomposition.first_effect_week),
             *(_money(r.decomposition.parts[p].estimate) for p in PARTS),
             _money(r.decomposition.total.estimate)] for r in shown]
    return header, rows
