"""The KPIs a strategy moves materially, largest effect first (#23).

A KPI's change is the paired change of its window figure from the strategy's start (the
weekly mean, or the total for counts in ``SUMMED`` of :mod:`analysis.comparison.paired`),
with its t interval. It is *moved materially* when the interval excludes zero and the
change is at least ``KPI_MATERIAL`` of the baseline's level (any change from a baseline of
zero counts). The effect's size is ``|change / baseline|``.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.comparison.stats import Interval

KPI_MATERIAL = 0.05
KPI_LABELS = {
    "conflicts_per_100_deals": "conflicts per 100 deals",
    "price_dumping": "price-dumping quotes a week",
    "agents_active": "active agents",
    "agents_on_paper": "agents on paper",
    "agents_defected": "defected agents",
    "top20_share": "top-20% agents' share of sales",
    "fill_rate": "fill rate",
    "mean_commitment": "mean commitment",
    "deals_unserved": "unserved deals a week",
    "relationships_broken": "customer relationships broken",
}


@dataclass(frozen=True)
class Move:
    """One KPI's change: baseline level, change with interval, change in percent."""

    kpi: str
    label: str
    baseline: float
    change: Interval
    pct: float        # 100 × change / baseline; ±inf from a baseline of 0

    def words(self) -> str:
        """``price-dumping quotes a week 27.2 -> 0.1 (-99.6%; 95% CI -27.3 to -26.9)``."""
        c = self.change
        if abs(self.pct) == float("inf"):
            rel = "from none"
        elif self.pct >= 1000:        # from next to nothing: a ratio reads better
            rel = f"{1 + self.pct / 100:,.0f} times"
        else:
            rel = f"{self.pct:+.0f}%"
        return (f"{self.label} {self.baseline:,.3g} -> {self.baseline + c.estimate:,.3g} "
                f"({rel}; 95% CI {c.low:+,.3g} to {c.high:+,.3g})")


def kpi_moves(changes: dict[str, Interval], base: dict[str, float],
              threshold: float = KPI_MATERIAL) -> list[Move]:
    """The KPIs moved materially, sorted by ``|pct|``, largest first.

    Args:
        changes: each KPI's paired change (strategy − baseline) with its interval.
        base: each KPI's baseline level over the same window.
        threshold: the smallest relative change counted (0.05: 5% of the baseline).

    """
    out = []
    for kpi, c in changes.items():
        b = float(base.get(kpi, 0.0))
        clear = c.low > 0 or c.high < 0
        if not clear:
            continue
        pct = 100.0 * c.estimate / abs(b) if b else float("inf") * (1 if c.estimate > 0
                                                                     else -1)
        if abs(pct) >= 100.0 * threshold:
            out.append(Move(kpi, KPI_LABELS.get(kpi, kpi), b, c, pct))
    return sorted(out, key=lambda m: -abs(m.pct))
