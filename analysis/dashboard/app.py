"""The dashboard page: `channelsim dashboard [FILE]` serves it with Solara.

A strategy and its baseline run side by side on the same seed. Mesa's controller steps
them (Reset, play, Step); a "Run to week" control jumps ahead without drawing each week;
the levers, each showing its value, change the strategy when Reset is pressed. Charts span
the whole horizon and mark the pilot and the rollout.
"""

from __future__ import annotations

import html

import networkx as nx
import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import force_update, update_counter

from analysis.dashboard import charts
from analysis.dashboard.model import STACKING, TERRITORIES, DashboardModel, file_levers
from analysis.report.charts.style import readable

WORDS = {"distributor_discount": "distributor discount (base tier)", "promo": "promo discount",
         "stacking": "discounts", "territory": "territory",
         "deal_registration": "deal registration", "marketplace": "marketplace listing",
         "destocking": "distributors destock"}


def _text(text: str, tag: str = "p") -> None:
    # plain HTML, not Markdown: Markdown loads a diagram library from a CDN, and the
    # dashboard must work offline
    solara.HTML(tag=tag, unsafe_innerHTML=html.escape(text), style="margin: 0.3em 0")


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def _value(name: str, v) -> str:
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, float):
        return _pct(v)
    return STACKING.get(v, v) if name == "stacking" else str(v)


def strategy_sentence(model: DashboardModel) -> str:
    """When the strategy switches where, in words."""
    rollout = model.rollout
    if rollout is None:
        return ("No strategy yet: this file has no rollout. Move a lever and press Reset to "
                "compare it, from week 1, with the file as it is.")
    regions = ", ".join(map(charts.region_words, rollout.pilot_regions))
    pilot = f"pilot in {regions} from week {rollout.pilot_week}; " if regions else ""
    note = (f" (announced {rollout.announce_weeks} weeks before: the grey dotted line)"
            if rollout.announce_weeks else "")
    return (f"Strategy: {pilot}everywhere from week {rollout.full_week}{note}. "
            f"Seed {model.seed}, the same for strategy and baseline.")


def changes_sentence(model: DashboardModel) -> str:
    """The levers moved away from the file, in words ('' when none)."""
    moved = [f"{WORDS[k]} {_value(k, a)} → {_value(k, b)}"
             for k, (a, b) in model.changes().items()]
    return ("Levers changed from the file: " + "; ".join(moved) + ".") if moved else ""


@solara.component
def Chart(model: DashboardModel, draw):  # noqa: N802 - Solara components are named like classes
    """One chart, redrawn after every step."""
    update_counter.get()
    solara.FigureMatplotlib(draw(model), format="png")


@solara.component
def RegionMap(model: DashboardModel):  # noqa: N802
    """The regions coloured by the strategy's turnover this week (layout fixed per model)."""
    update_counter.get()
    pos = solara.use_memo(lambda: nx.spring_layout(model.strategy.space.G, seed=3), [model])
    solara.FigureMatplotlib(charts.regions(model, pos), format="png")


@solara.component
def Summary(model: DashboardModel):  # noqa: N802
    """Where the two markets stand, and what the strategy is."""
    update_counter.get()
    spec = model.file
    title = readable(spec.name) + (f": {spec.description}" if spec.description else "")
    _text(title, "h3")
    _text(strategy_sentence(model))
    if model.levers_changed:
        _text(changes_sentence(model))
    _text("Solid lines: the strategy. Dashed: the baseline, the same market and seed under "
          "the policy before the rollout. Vertical lines: the pilot (dotted) and the rollout "
          "everywhere (dashed).")
    _text(charts.summary(model), "b")


@solara.component
def JumpTo(model: solara.Reactive[DashboardModel]):  # noqa: N802
    """Run straight to a week (back to it from the start if it has passed)."""
    update_counter.get()
    m = model.value
    target = solara.use_reactive(m.weeks)

    def jump():
        model.value = model.value.at_week(target.value)
        force_update()

    solara.SliderInt(f"Run to week: {target.value}", value=target, min=1, max=m.weeks,
                     thumb_label=False)
    solara.Button(f"Run to week {target.value}", color="primary", on_click=jump)


def _lever_inputs(params: solara.Reactive[dict]) -> None:
    """The levers, each labelled with its value; Reset applies them."""
    v = params.value

    def set_(name):
        return lambda value: params.set({**params.value, name: value})

    d, p = v["distributor_discount"], v["promo"]
    solara.SliderFloat(f"Distributor discount, base tier: {_pct(d)}", value=d,
                       on_value=set_("distributor_discount"), min=min(0.10, d),
                       max=max(0.45, d), step=0.01, thumb_label=False)
    solara.SliderFloat(f"Promo discount: {_pct(p)}", value=p, on_value=set_("promo"),
                       min=0.0, max=max(0.15, p), step=0.01, thumb_label=False)
    solara.Select("Discounts", value=STACKING[v["stacking"]], values=list(STACKING.values()),
                  on_value=lambda label: set_("stacking")(
                      next(k for k, w in STACKING.items() if w == label)))
    territories = list(TERRITORIES)
    if v["territory"] not in territories:
        territories.append(v["territory"])
    solara.Select("Territory", value=v["territory"], values=territories,
                  on_value=set_("territory"))
    solara.Checkbox(label="Deal registration", value=v["deal_registration"],
                    on_value=set_("deal_registration"))
    solara.Checkbox(label="Marketplace listing", value=v["marketplace"],
                    on_value=set_("marketplace"))
    solara.Checkbox(label="Distributors destock (both markets)", value=v["destocking"],
                    on_value=set_("destocking"))
    solara.InputInt("Seed (as channelsim run --seed)", value=v["rng"], on_value=set_("rng"))


@solara.component
def Page():  # noqa: N802
    """The dashboard."""
    first = solara.use_memo(DashboardModel, [])
    model = solara.use_reactive(first)
    params = solara.use_reactive({**file_levers(first.file), "rng": first.seed})
    interval = solara.use_reactive(20)
    # weeks per Step click and per frame while playing (Mesa's render interval): drawing a
    # frame costs far more than a week, so more weeks per frame make playing faster
    per_frame = solara.use_reactive(1)
    threads = solara.use_reactive(False)
    m = model.value
    pending = {**m.levers, "rng": m.seed} != params.value

    with solara.AppBar():
        solara.AppBarTitle("channelsim: strategy against baseline, week by week")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run"):
            ModelController(model, model_parameters=params, play_interval=interval,
                            render_interval=per_frame, use_threads=threads)
            solara.SliderInt(f"Weeks per step (and frame): {per_frame.value}",
                             value=per_frame, min=1, max=13, thumb_label=False)
            solara.SliderInt(f"Pause between frames: {interval.value} ms", value=interval,
                             min=0, max=500, step=10, thumb_label=False)
            solara.Checkbox(label="Fast play: run on, draw the latest week when ready",
                            value=threads)
            JumpTo(model)
        with solara.Card("Levers of the strategy"):
            if pending:
                solara.Warning("Changed: press Reset to apply", dense=True)
            _lever_inputs(params)
    with solara.Column():
        Summary(m)
        with solara.Columns([1, 1]):
            Chart(m, charts.turnover)
            Chart(m, charts.channels)
        with solara.Columns([1, 1]):
            Chart(m, charts.conflicts)
            Chart(m, charts.health)
        with solara.Columns([1, 1]):
            RegionMap(m)

