"""Charts of outcomes: the shrink histogram, waterfall, conflicts, pilot, risk, regions."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from analysis.comparison.decomposition import PARTS, SHORT_LABELS
from analysis.comparison.paired import StrategyResult
from analysis.comparison.results import Results
from analysis.report.charts.style import GAIN, LOSS, MONEY, figure, shown, tidy
from sim.vocab import WEEKS_PER_QUARTER


def shrink_histogram(res: Results, r: StrategyResult):
    """Cumulative turnover change across futures, the shrinking side shaded."""
    d = r.per_rep["turnover_change"].to_numpy()
    fig, ax = figure()
    bins = np.histogram_bin_edges(d, bins=min(30, max(8, len(d) // 2)))
    n, edges, patches = ax.hist(d, bins=bins, color=GAIN, edgecolor="white")
    for patch, left in zip(patches, edges[:-1], strict=True):
        if left < 0:
            patch.set_facecolor(LOSS)
    ax.axvline(0, color="black", lw=1)
    # headroom above the tallest bar, so the label never sits on a bar
    ax.set_ylim(0, max(n.max(), 1) * 1.3)
    ax.text(0.02, 0.97, f"P(shrink) = {r.p_shrink.estimate:.0%} "
            f"[{r.p_shrink.low:.0%}, {r.p_shrink.high:.0%}]", transform=ax.transAxes,
            va="top", fontsize=10, color=LOSS)
    verdict = "shrinks" if r.p_shrink.estimate > 0.5 else "grows"
    share = max(r.p_shrink.estimate, 1 - r.p_shrink.estimate)
    tidy(ax, f"{shown(res, r.name)} {verdict} turnover over the horizon in {share:.0%} of "
             f"{r.reps} futures",
         f"cumulative turnover change ({res.currency})",
         "futures", money_axis="x")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return fig


def waterfall_parts(res: Results, r: StrategyResult) -> pd.Series:
    """Turnover change split into parts that add up to it exactly.

    With the deals table (:mod:`analysis.comparison.decomposition`): the strategy's
    decomposition over ``[first_effect_week, horizon]``, deal by deal. Results stored before
    it existed fall back to the split over the horizon below.

    With ``S`` end-customer sales, ``G = turnover + rebates`` the manufacturer's gross
    revenue and ``rho = G / S`` its share of what customers pay (means over futures,
    summed over the horizon): competitor ``= rho_b * dS`` (sales won from or lost to the
    competitor at the baseline's realisation); channel stock ``= d(stock at the end -
    stock at the start)`` (sell-in not yet sold through); rebates ``= -d rebates``; price
    and mix is the rest of ``dG``. The parts add up to the turnover change exactly.
    """
    if r.decomposition is not None:       # deal by deal, from the first effect (#23)
        d = r.decomposition
        return pd.Series({SHORT_LABELS[p]: d.parts[p].estimate for p in PARTS})
    k = res.kpis
    tot = k.groupby(["scenario", "rep"])[["turnover", "rebates", "sell_through"]].sum()
    inv = k.sort_values("week").groupby(["scenario", "rep"])["channel_inventory_value"]
    tot["stock"] = inv.last() - inv.first()
    m = tot.groupby("scenario").mean()
    b, s = m.loc[res.baseline], m.loc[r.name]
    gb, gs = b["turnover"] + b["rebates"], s["turnover"] + s["rebates"]
    rho_b = gb / b["sell_through"] if b["sell_through"] else 0.0
    comp = rho_b * (s["sell_through"] - b["sell_through"])
    stock = s["stock"] - b["stock"]
    price = (gs - gb) - comp - stock
    return pd.Series({"won from / lost to competitor": comp, "channel stock": stock,
                      "price and channel mix": price, "rebates and bonuses": -(
                          s["rebates"] - b["rebates"])})


def waterfall(res: Results, r: StrategyResult):
    """Where the turnover change comes from, strategy vs baseline (mean over futures)."""
    parts = waterfall_parts(res, r)
    fig, ax = figure()
    start = 0.0
    for i, v in enumerate(parts.to_numpy()):
        ax.bar(i, v, bottom=start, color=GAIN if v >= 0 else LOSS)
        ax.text(i, start + v, MONEY(v), ha="center", va="bottom" if v >= 0 else "top",
                fontsize=8)
        start += v
    ax.bar(len(parts), start, color="#404040")
    ax.text(len(parts), start, MONEY(start), ha="center", va="bottom" if start >= 0 else "top",
            fontsize=8)
    # labels on two lines, so neighbours never run into each other
    ax.set_xticks(range(len(parts) + 1), [textwrap.fill(x, 14) for x in
                                          [*parts.index, "turnover change"]], fontsize=8)
    ax.margins(y=0.1)               # room for the value labels above and below the bars
    ax.axhline(0, color="black", lw=0.8)
    biggest = parts.abs().idxmax()
    tidy(ax, f"{shown(res, r.name)}: the largest part of the change is {biggest} "
             f"({MONEY(parts[biggest])})",
         "",
         f"change from week {r.decomposition.first_effect_week} ({res.currency})"
         if r.decomposition is not None else f"change over the horizon ({res.currency})")
    return fig


def conflict_heatmap(res: Results, strategy: str):
    """Conflicts by type and quarter, baseline beside strategy (mean per future)."""
    c = res.table("conflicts")
    c = c.assign(quarter=(c["week"] - 1) // WEEKS_PER_QUARTER + 1)
    g = c.groupby(["scenario", "rep", "conflict_type", "quarter"])["count"].sum()
    g = g.groupby(["scenario", "conflict_type", "quarter"]).mean()
    types = [t for t in g.index.get_level_values(1).unique() if g.xs(t, level=1).sum() > 0]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.8), sharey=True, layout="constrained")
    vmax = max(g.max(), 1.0)
    totals = {}
    for ax, name in zip(axes, [res.baseline, strategy], strict=True):
        m = g.loc[name].unstack("quarter").reindex(types).fillna(0)
        im = ax.imshow(m.to_numpy(), aspect="auto", cmap="Reds", vmin=0, vmax=vmax)
        ax.set_xticks(range(m.shape[1]), [f"Q{q}" for q in m.columns], fontsize=7)
        ax.set_yticks(range(len(types)), [t.replace("_vs_", " vs ") for t in types], fontsize=8)
        ax.set_title(shown(res, name), fontsize=10)
        ax.set_xlabel("quarter")
        totals[name] = m.to_numpy().sum()
    fig.colorbar(im, ax=axes, label="conflicts per quarter (mean of futures)")
    change = totals[strategy] / totals[res.baseline] - 1 if totals[res.baseline] else 0.0
    fig.suptitle(f"{shown(res, strategy)}: {change:+.0%} channel conflicts against "
                 f"{shown(res, res.baseline)}",
                 x=0.01, ha="left", fontsize=11, fontweight="bold", wrap=True)
    return fig


def lorenz(res: Results, name: str):
    """Concentration of channel sales: Lorenz curve of agents' 3-year sell-through."""
    a = res.table("agents")
    a = a[(a["scenario"] == name) & a["role"].isin(["distributor", "partner"])]
    per = a.groupby(["rep", "agent_id"])["sell_through"].sum().groupby("agent_id").mean()
    x = np.sort(per.to_numpy())
    cum = np.concatenate([[0], np.cumsum(x)]) / max(x.sum(), 1e-12)
    share = np.linspace(0, 1, len(cum))
    top = 1 - np.interp(0.8, share, cum)
    fig, ax = figure(6.0, 5.0)
    ax.plot(share, cum, color="#e07b39", lw=2, label="agents' sales")
    ax.plot([0, 1], [0, 1], color="#999999", ls="--", lw=1, label="equal sales")
    ax.fill_between(share, cum, share, color="#e07b39", alpha=0.15)
    tidy(ax, f"{shown(res, name)}: the top 20% of agents make {top:.0%} of channel sales",
         "share of distributors and partners (smallest first)", "share of their sell-through",
         money_axis=None)
    ax.legend(fontsize=8, frameon=False)
    return fig


def pilot_vs_truth(res: Results, r: StrategyResult):
    """What the pilot would have measured, against the true effects, across futures."""
    p = r.pilot
    fig, ax = figure()
    data = [p.measured, p.true_pilot, p.true_rollout, p.spillover]
    labels = ["pilot measured\n(pilot vs control)", "true effect\nin pilot regions",
              "true effect of\nfull rollout", "spillover into\ncontrol regions"]
    ax.boxplot(data, tick_labels=labels, showmeans=True)
    for i, d in enumerate(data, start=1):
        ax.scatter(np.full(len(d), i) + np.random.default_rng(i).uniform(-0.08, 0.08, len(d)),
                   d, s=10, alpha=0.5, color="#1b6ca8")
    ax.axhline(0, color="black", lw=0.8)
    tidy(ax, f"{shown(res, r.name)}: the pilot shows the wrong sign in {p.p_wrong_sign:.0%} "
             "of futures",
         "", "effect on turnover (%)", money_axis=None)
    return fig


def at_risk_chart(res: Results, r: StrategyResult, top: int = 12):
    """Distributors and partners most exposed: chance of ending on paper or defecting."""
    a = r.at_risk
    # agents the strategy does not touch at all (no trade, never lost) say nothing here
    moved = (a["p_lost"] > 0) | (a["p_lost_baseline"] > 0) | (a["margin_change"] != 0)
    t = a[moved].head(top).iloc[::-1]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 0.35 * len(t) + 1.6), sharey=True,
                                   layout="constrained")
    y = np.arange(len(t))
    ax1.barh(y - 0.2, t["p_lost"], 0.4, color=LOSS, label="under the strategy")
    ax1.barh(y + 0.2, t["p_lost_baseline"], 0.4, color="#999999", label="under the baseline")
    ax1.set_yticks(y, [f"{a} ({k or role})" for a, k, role in
                       zip(t["name"], t["kind"], t["role"], strict=True)], fontsize=8)
    ax1.set_xlabel("share of futures ending on paper or defected")
    ax1.legend(fontsize=8, frameon=False)
    ax2.barh(y, t["margin_change"], color=np.where(t["margin_change"] < 0, LOSS, GAIN))
    ax2.xaxis.set_major_formatter(MONEY)
    ax2.set_xlabel(f"change in weekly gross margin ({res.currency})")
    first = t.iloc[-1] if len(t) else None
    title = (f"{shown(res, r.name)}: {first['name']} is the most exposed agent" if first is not None
             else f"{shown(res, r.name)}: no agent more exposed than under the baseline")
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold", wrap=True)
    return fig


def region_map(res: Results, r: StrategyResult):
    """The region network, each region coloured by its turnover change under the strategy."""
    br = res.table("by_region")
    tot = br.groupby(["scenario", "region"])["turnover"].sum()
    regions = res.manifest["scenarios"][res.baseline]["regions"]
    change = (tot.loc[r.name].reindex(regions) / tot.loc[res.baseline].reindex(regions) - 1) * 100
    links = res.manifest["scenarios"][res.baseline].get("region_links") or [
        [regions[i], regions[(i + 1) % len(regions)]] for i in range(len(regions))]
    g = nx.Graph()
    g.add_nodes_from(range(len(regions)))
    g.add_edges_from((regions.index(a), regions.index(b)) for a, b in links if a != b)
    pos = nx.spring_layout(g, seed=3)
    fig, ax = figure(7.5, 6.0)
    lim = max(abs(change).max(), 1.0)
    pilot = set((res.rollout(r.name) or {}).get("pilot_regions") or [])
    nx.draw_networkx_edges(g, pos, ax=ax, alpha=0.3)
    nodes = nx.draw_networkx_nodes(g, pos, ax=ax, node_size=1300, cmap="RdYlGn", vmin=-lim,
                                   vmax=lim, node_color=change.to_numpy(),
                                   edgecolors=["black" if reg in pilot else "white"
                                               for reg in regions], linewidths=2.5)
    nx.draw_networkx_labels(g, pos, ax=ax, font_size=7,
                            labels={i: f"{reg}\n{change.iloc[i]:+.1f}%"
                                    for i, reg in enumerate(regions)})
    fig.colorbar(nodes, ax=ax, label="turnover change (%)", shrink=0.8)
    ax.set_axis_off()
    best, worst = change.idxmax(), change.idxmin()
    ax.set_title(f"{shown(res, r.name)}: {best} gains most ({change[best]:+.1f}%), {worst} least "
                 f"({change[worst]:+.1f}%); pilot regions outlined", loc="left", fontsize=10,
                 fontweight="bold", wrap=True)
    return fig
