"""Charts for strategists and boards: one function per chart, each returning a Figure."""

from analysis.report.charts.channel_map import channel_map, channel_maps
from analysis.report.charts.outcomes import (
    at_risk_chart,
    conflict_heatmap,
    lorenz,
    pilot_vs_truth,
    region_map,
    shrink_histogram,
    waterfall,
    waterfall_parts,
)
from analysis.report.charts.over_time import (
    channel_mix,
    difference_fan,
    network_health,
    stock_bridge,
    turnover_fan,
)

__all__ = [
    "all_charts",
    "at_risk_chart",
    "channel_map",
    "channel_maps",
    "channel_mix",
    "conflict_heatmap",
    "difference_fan",
    "lorenz",
    "network_health",
    "pilot_vs_truth",
    "region_map",
    "shrink_histogram",
    "stock_bridge",
    "turnover_fan",
    "waterfall",
    "waterfall_parts",
]


def all_charts(res, comp):
    """Every chart of a comparison, in reading order: yields ``(key, section, figure)``.

    Figures are made one at a time, so a caller can render and close each before the next.
    """
    yield "turnover_fan", "All scenarios", turnover_fan(res)
    yield "channel_maps", "All scenarios", channel_maps(res)
    for name in res.scenarios:
        yield f"mix_{name}", name, channel_mix(res, name)
    yield f"health_{res.baseline}", res.baseline, network_health(res, res.baseline)
    yield f"lorenz_{res.baseline}", res.baseline, lorenz(res, res.baseline)
    yield f"stock_{res.baseline}", res.baseline, stock_bridge(res, res.baseline)
    for name, r in comp.strategies.items():
        yield f"map_{name}", name, channel_map(res, name)
        yield f"difference_{name}", name, difference_fan(res, r)
        yield f"histogram_{name}", name, shrink_histogram(res, r)
        yield f"waterfall_{name}", name, waterfall(res, r)
        yield f"conflicts_{name}", name, conflict_heatmap(res, name)
        yield f"health_{name}", name, network_health(res, name)
        yield f"stock_{name}", name, stock_bridge(res, name)
        yield f"regions_{name}", name, region_map(res, r)
        if r.pilot is not None:
            yield f"pilot_{name}", name, pilot_vs_truth(res, r)
        if r.at_risk is not None and len(r.at_risk):
            yield f"risk_{name}", name, at_risk_chart(res, r)
