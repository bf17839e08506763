"""The dashboard page: `channelsim dashboard [FILE]` serves it with Solara.

Sliders and switches set the main policy levers (Reset applies them); Step and Play run
the market week by week; the charts show turnover by channel, conflicts and the network's
health, and the region network is coloured by this week's turnover.
"""

from __future__ import annotations

import networkx as nx
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from analysis.dashboard.model import DashboardModel, dashboard_scenario
from analysis.report.charts.style import CHANNEL_COLOURS, MONEY

_start = dashboard_scenario().policy

model_params = {
    "rng": {"type": "InputText", "value": 1, "label": "Seed"},
    "distributor_discount": {
        "type": "SliderFloat", "value": _start.discounts.distributor["base"],
        "label": "Distributor discount", "min": 0.10, "max": 0.45, "step": 0.01},
    "promo": {"type": "SliderFloat", "value": _start.discounts.promo,
              "label": "Promo discount", "min": 0.0, "max": 0.15, "step": 0.01},
    "stacking": {"type": "Select", "value": _start.stacking, "values": ["stacked", "best_of"],
                 "label": "Discounts"},
    "territory": {"type": "Select", "value": _start.territory[0],
                  "values": ["open", "exclusive_regions", "segment_split"],
                  "label": "Territory"},
    "deal_registration": {"type": "Checkbox", "value": _start.deal_registration,
                          "label": "Deal registration"},
    "marketplace": {"type": "Checkbox", "value": _start.marketplace.enabled,
                    "label": "Marketplace listing"},
    "destocking": {"type": "Checkbox", "value": True, "label": "Distributors destock"},
}


@solara.component
def RegionNetwork(model):  # noqa: N802 - Solara components are named like classes
    """The regions, coloured by this week's turnover."""
    update_counter.get()
    g = model.space.G
    week = max(model.week, 1)
    turnover = (model.ledger.by_region[week - 1, 0].sum(axis=1) if model.ledger.recorded
                else [0.0] * g.number_of_nodes())
    fig = Figure(figsize=(5, 4))
    ax = fig.subplots()
    pos = nx.spring_layout(g, seed=3)
    nx.draw_networkx(g, pos, ax=ax, node_color=list(turnover), cmap="Greens",
                     labels={i: r for i, r in enumerate(model.spec.market.regions)},
                     font_size=7, node_size=700)
    ax.set_title(f"Turnover by region, week {model.week}", fontsize=10)
    ax.set_axis_off()
    solara.FigureMatplotlib(fig)


def _labels(title: str, ylabel: str, money: bool = False):
    def post_process(ax):
        ax.set_title(title, fontsize=10, loc="left")
        ax.set_xlabel("week")
        ax.set_ylabel(ylabel)
        if money:
            ax.yaxis.set_major_formatter(MONEY)

    return post_process


TurnoverPlot = make_plot_component(
    {f"turnover_{c}": colour for c, colour in CHANNEL_COLOURS.items()},
    post_process=_labels("Turnover by channel", "per week", money=True))
ConflictPlot = make_plot_component({"conflicts": "#c0392b", "price_dumping": "#7f8c8d"},
                                   post_process=_labels("Conflicts and dumping", "per week"))
HealthPlot = make_plot_component({"agents_active": "#27ae60", "agents_contracted": "#404040"},
                                 post_process=_labels("Network health", "agents"))

model = DashboardModel()
page = SolaraViz(
    model,
    components=[TurnoverPlot, ConflictPlot, HealthPlot, RegionNetwork],
    model_params=model_params,
    name="channelsim: live channel market",
    play_interval=150,
)
