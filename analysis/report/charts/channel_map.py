"""The channel map: who serves whom, from the manufacturer through channels to customers.

A flow picture (Sankey style) of the last year of the horizon, mean over futures: bands
from the manufacturer to each channel, from each channel to the customer segments it sells
to, then from the segments to the regions, each band as wide as its turnover. The baseline
and a strategy sit side by side on one scale, so a narrower channel is less turnover, not
another scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from analysis.comparison.results import Results
from analysis.report.charts.style import CHANNEL_COLOURS, figure, money, shown
from sim.vocab import SEGMENTS, TURNOVER_CHANNELS

GAP = 0.025            # space between nodes, as a share of the column's height
NODE_WIDTH = 0.04
X = (0.0, 0.2, 0.6, 0.96)   # the columns: manufacturer, channels, segments, regions
MANUFACTURER = "manufacturer"
SEGMENT_ORDER = (*SEGMENTS, "unassigned")
SEGMENT_COLOURS = {"small": "#b9c9d6", "mid": "#d6c7b0", "key": "#c3d6b9", "project": "#d1b9d6",
                   "unassigned": "#cccccc"}


def flow_widths(flows: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Mean turnover over futures by channel, segment and region (the bands' widths).

    Args:
        flows: the ``flows`` table of a comparison (every scenario and replication).
        scenario: the scenario to draw.

    Returns:
        ``channel, segment, region, turnover`` with turnover > 0 (money over the window).

    """
    part = flows[flows["scenario"] == scenario]
    reps = part["rep"].nunique()
    if reps == 0:
        return pd.DataFrame(columns=["channel", "segment", "region", "turnover"])
    out = part.groupby(["channel", "segment", "region"], as_index=False)["turnover"].sum()
    out["turnover"] /= reps
    return out[out["turnover"] > 0].reset_index(drop=True)


def _band(ax, x0: float, y0: tuple[float, float], x1: float, y1: tuple[float, float],
          colour: str) -> None:
    """A band from the span ``y0`` at ``x0`` to the span ``y1`` at ``x1`` (S-shaped edges)."""
    mid = (x0 + x1) / 2
    verts = [(x0, y0[0]), (mid, y0[0]), (mid, y1[0]), (x1, y1[0]),
             (x1, y1[1]), (mid, y1[1]), (mid, y0[1]), (x0, y0[1]), (x0, y0[0])]
    codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4,
             MplPath.LINETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.CLOSEPOLY]
    ax.add_patch(PathPatch(MplPath(verts, codes), facecolor=colour, alpha=0.45, lw=0))


def _nodes(totals: pd.Series, order: list[str], scale: float) -> dict[str, list[float]]:
    """Top and bottom of each node of a column, stacked from the top with gaps."""
    out, y = {}, 1.0
    for name in order:
        if totals.get(name, 0.0) <= 0:
            continue
        h = totals[name] * scale
        out[name] = [y, y - h]
        y -= h + GAP
    return out


def _column(ax, x: float, nodes: dict, totals: pd.Series, colours: dict, side: str) -> None:
    for name, (top, bottom) in nodes.items():
        ax.add_patch(PathPatch(MplPath([(x, top), (x + NODE_WIDTH, top), (x + NODE_WIDTH,
                                                                          bottom),
                                        (x, bottom), (x, top)]),
                               facecolor=colours.get(name, "#7f7f7f"), lw=0))
        label = f"{name} {money(totals[name])}"
        tx, ha = (x - 0.01, "right") if side == "left" else (x + NODE_WIDTH + 0.01, "left")
        box = None
        if side == "middle":
            tx, ha = x + NODE_WIDTH + 0.01, "left"
            box = {"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.0}
        ax.text(tx, (top + bottom) / 2, label, ha=ha, va="center", fontsize=7.5, bbox=box)


def _stage(ax, flows: pd.Series, x0: float, left: dict, x1: float, right: dict,
           colour_of, scale: float) -> None:
    """Bands from the left nodes to the right nodes; ``flows`` is indexed (left, right)."""
    out_y = {k: v[0] for k, v in left.items()}
    in_y = {k: v[0] for k, v in right.items()}
    for (a, b), value in flows.items():
        if value <= 0 or a not in left or b not in right:
            continue
        h = value * scale
        _band(ax, x0 + NODE_WIDTH, (out_y[a], out_y[a] - h), x1, (in_y[b], in_y[b] - h),
              colour_of(a, b))
        out_y[a] -= h
        in_y[b] -= h


def _draw(ax, w: pd.DataFrame, title: str, regions: list[str], scale: float) -> None:
    """One panel; ``scale`` turns money into axis units (shared by a figure's panels)."""
    by_channel = w.groupby("channel")["turnover"].sum()
    by_segment = w.groupby("segment")["turnover"].sum()
    by_region = w.groupby("region")["turnover"].sum()
    segment_colours = {k: "#8c8c8c" for k in SEGMENT_ORDER}
    made = pd.Series({MANUFACTURER: float(w["turnover"].sum())})
    mx = _nodes(made, [MANUFACTURER], scale)
    cx = _nodes(by_channel, list(TURNOVER_CHANNELS), scale)
    sx = _nodes(by_segment, list(SEGMENT_ORDER), scale)
    rx = _nodes(by_region, regions, scale)
    _column(ax, X[0], mx, made, {MANUFACTURER: "#4d4d4d"}, "left")
    _column(ax, X[1], cx, by_channel, CHANNEL_COLOURS, "middle")
    _column(ax, X[2], sx, by_segment, segment_colours, "middle")
    _column(ax, X[3], rx, by_region, {}, "right")
    # the manufacturer's bands in the channels' order, so that none crosses another
    mc = pd.Series({(MANUFACTURER, c): by_channel[c] for c in cx})
    _stage(ax, mc, X[0], mx, X[1], cx, lambda _m, c: CHANNEL_COLOURS.get(c, "#7f7f7f"), scale)
    cs = w.groupby(["channel", "segment"])["turnover"].sum()
    _stage(ax, cs, X[1], cx, X[2], sx, lambda c, _s: CHANNEL_COLOURS.get(c, "#7f7f7f"), scale)
    sr = w.groupby(["segment", "region"])["turnover"].sum()
    _stage(ax, sr, X[2], sx, X[3], rx, lambda seg, _r: SEGMENT_COLOURS.get(seg, "#cccccc"),
           scale)
    ax.set_xlim(-0.28, 1.28)
    ax.set_ylim(min([0.0, *(v[1] for v in rx.values())]) - 0.02, 1.04)
    ax.axis("off")
    ax.set_title(f"{title}: {money(w['turnover'].sum())}", fontsize=10, loc="left")


def channel_map(res: Results, name: str, window: int = 52):
    """The channel map of the baseline and of strategy ``name``, side by side.

    Widths are the mean turnover over futures in the last ``window`` weeks of the horizon
    (the ``flows`` table), manufacturer to channel, channel to segment and segment to region;
    both panels share one scale.
    """
    names = [res.baseline] if name == res.baseline else [res.baseline, name]
    # the deck shows a chart 5.8 in high, 1.2 in from the left of a 13.33 in slide: wider
    # than 2.05 times its height, the side-by-side map would run off the slide
    width = 6.5 * len(names)
    fig, widths = _panels(res, names, (width, max(5.2, width / 2.05)), len(names))
    totals = [widths[n]["turnover"].sum() for n in names]
    change = (f"{(totals[-1] / totals[0] - 1):+.1%} turnover through the channels"
              if len(names) == 2 and totals[0] > 0 else "who serves whom")
    fig.suptitle(f"Channel map, last {window} weeks: {change}", x=0.01, ha="left",
                 fontsize=11, fontweight="bold", wrap=True)
    return fig


def channel_maps(res: Results, window: int = 52):
    """The baseline's channel map and every strategy's, one panel each on one scale.

    The deck's single map slide: up to three panels a row (six for five strategies), each
    panel drawn as in :func:`channel_map`.
    """
    names = list(res.scenarios)
    ncols = min(3, len(names))
    nrows = -(-len(names) // ncols)
    # 5.6 x 3.9 in a panel: the deck shrinks six of them by only about 3/4 onto a slide, so
    # labels stay readable, and a label still fits between two columns
    fig, _ = _panels(res, names, (5.6 * ncols, 3.9 * nrows), ncols, nrows)
    fig.suptitle(f"Who serves whom, last {window} weeks: today's rules and each strategy "
                 "(one scale)", x=0.01, ha="left", fontsize=13, fontweight="bold", wrap=True)
    return fig


def _panels(res: Results, names: list[str], size: tuple[float, float], ncols: int,
            nrows: int = 1):
    """A figure of one map panel per scenario on a shared scale; returns it and the widths."""
    flows = res.table("flows")
    widths = {n: flow_widths(flows, n) for n in names}
    regions = list(dict.fromkeys(r for w in widths.values() for r in w["region"]))
    tallest = max([_height(w) for w in widths.values()] + [1e-12])
    scale = (1.0 - GAP * (len(regions) + 1)) / tallest
    fig, axes = figure(*size, ncols=ncols, nrows=nrows)
    axes = np.atleast_1d(axes).ravel()
    for ax, n in zip(axes, names, strict=False):
        _draw(ax, widths[n], shown(res, n), regions, scale)
    for ax in axes[len(names):]:
        ax.axis("off")
    return fig, widths


def _height(w: pd.DataFrame) -> float:
    """The money the tallest column of a panel holds (all columns hold the same total)."""
    return float(w["turnover"].sum()) if len(w) else 0.0
