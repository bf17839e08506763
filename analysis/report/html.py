"""The HTML report and the slide deck of a stored comparison."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
from jinja2 import Environment, FileSystemLoader, select_autoescape

from analysis.comparison.narrative import sentences
from analysis.comparison.paired import Comparison, compare
from analysis.comparison.results import Results
from analysis.comparison.scenario_diff import scenario_diff
from analysis.report.charts import all_charts
from sim.experiments.store import ResultStore, write_atomic

ASSUMPTIONS = (
    "One step is one week; customers' needs arrive as deals (Poisson by customer and "
    "segment); project deals pass a specification phase and a tender before they are decided.",
    "A channel agent hears of a deal with a probability that grows with its size, effort "
    "(commitment) and relationship; a deal no brand agent hears of goes to the competitor.",
    "Resellers quote the segment's street price less a step per rival brand bidder, never "
    "below their margin floor or an enforced minimum resale price.",
    "Customers choose by multinomial logit on price, delivery, expertise, relationship and "
    "specification, with the competitor always available.",
    "Distributors replenish order-up-to on a moving-average forecast; they destock when margin "
    "or commitment falls, buy forward before an announced cut and load toward rebate tiers.",
    "Commitment follows margin against the competitor's line, incentives, training, tier, "
    "volume and conflicts lost; low commitment makes an agent inactive, lasting low commitment "
    "makes it defect with its customers and open specifications.",
    "Strategies and baseline run on common random numbers; uncertain parameters are drawn per "
    "replication (Latin hypercube) and shared by every scenario of that replication.",
)


def templates() -> Environment:
    """The report templates (HTML-escaped)."""
    return Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                       autoescape=select_autoescape(["html", "j2"]))


@dataclass
class Chart:
    """A rendered chart: key, section, finding (its title) and the PNG as base64."""

    key: str
    section: str
    title: str
    png: str
    raw: bytes


def _finding(fig) -> str:
    if fig._suptitle is not None:
        return fig._suptitle.get_text()
    return fig.axes[0].get_title(loc="left") if fig.axes else ""


def render_charts(res: Results, comp: Comparison, dpi: int = 96) -> list[Chart]:
    """Every chart as a PNG (figures are closed as soon as they are rendered)."""
    out = []
    for key, section, fig in all_charts(res, comp):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        title = _finding(fig)
        plt.close(fig)
        raw = buf.getvalue()
        out.append(Chart(key, section, title, base64.b64encode(raw).decode(), raw))
    return out


def _fmt(v, kind: str) -> str:
    if kind == "ci":
        return f"[{v[0]:+.1f}, {v[1]:+.1f}]"
    if kind == "pct":
        return f"{v:+.1f}%"
    if kind == "p":
        return f"{v:.0%}"
    if kind == "week":
        return "—" if v is None or v < 0 else f"{int(v)}"
    return f"{v:+.1f}"


SUMMARY_COLUMNS = (
    ("strategy", "strategy", None), ("Δ turnover", "turnover_change_pct", "pct"),
    ("95% CI", ("turnover_change_pct_low", "turnover_change_pct_high"), "ci"),
    ("Δ margin", "margin_change_pct", "pct"), ("P(shrink)", "p_shrink", "p"),
    ("P(shrink, 9 mo)", "p_shrink_9m", "p"), ("diet", "p_diet", "p"),
    ("diet, baseline", "p_diet_baseline", "p"), ("worst dip", "dip_pct", "pct"),
    ("dip week", "dip_week", "week"), ("recovered by", "recovery_week", "week"),
    ("Δ conflicts /100 deals", "change_conflicts_per_100_deals", "num"),
    ("Δ active agents", "change_agents_active", "num"),
)


def build_report(folder: str | Path, out: str | Path | None = None,
                 pptx: bool = False, calibration=None) -> tuple[Path, Path | None]:
    """Write the self-contained HTML report (and the deck) of a comparison folder.

    With ``calibration`` (a ``channelsim calibrate`` folder loaded by
    :func:`analysis.study.load_study`) the report also shows how well the baseline was
    fitted to the client's history.

    Returns:
        Paths of the HTML report and of the deck (None without ``pptx``).

    """
    from analysis.comparison.diagnose import diagnose_results, diagnosis_html

    folder = Path(folder)
    res = Results(folder)
    comp = compare(res)
    lines = sentences(comp)
    store = ResultStore(folder)
    charts = render_charts(res, comp)
    sections: dict[str, list[Chart]] = {}
    for c in charts:
        sections.setdefault(c.section, []).append(c)
    base_doc = store.scenario(res.baseline)
    diffs = {n: scenario_diff(base_doc, store.scenario(n)) for n in comp.strategies}
    summary = comp.summary()
    rows = [[r[col] if kind is None else _fmt(
        tuple(r[c] for c in col) if isinstance(col, tuple) else r[col], kind)
        for _, col, kind in SUMMARY_COLUMNS] for r in summary.to_dict(orient="records")]
    man = res.manifest
    env = templates()
    uncertain = sorted({k for d in man["uncertain_values"] for k in d}) or ["none"]
    html = env.get_template("report.html.j2").render(
        title=f"Channel strategies against {res.baseline}",
        subtitle=f"{len(comp.strategies)} strategies, {man['reps']} simulated futures each, "
                 f"{man['weeks']} weeks; money in {res.currency}.",
        sentences=lines, results=comp.strategies, baseline=res.baseline,
        reps=man["reps"], summary_header=[h for h, _, _ in SUMMARY_COLUMNS],
        summary_rows=rows, chart_sections=sections, diffs=diffs,
        diagnosis=diagnosis_html(diagnose_results(res)), assumptions=ASSUMPTIONS,
        version=man["channelsim_version"], seed=man["seed"], weeks=man["weeks"],
        uncertain=", ".join(uncertain),
        command=(f"channelsim compare {' '.join(n + '.yaml' for n in res.scenarios)} "
                 f"--reps {man['reps']} --weeks {man['weeks']} --seed {man['seed']}"),
        hashes={n: s["hash"] for n, s in man["scenarios"].items()},
        calibration=calibration,
    )
    html_path = Path(out) if out is not None else folder / "report.html"
    write_atomic(html_path, html)
    deck_path = None
    if pptx:
        from analysis.report.deck import build_deck

        deck_path = html_path.with_suffix(".pptx")
        build_deck(deck_path, f"Channel strategies against {comp.baseline}",
                   f"{len(comp.strategies)} strategies, simulated futures paired with today's "
                   f"rules - {comp.weeks} weeks", [ls[0] for ls in lines.values()], charts)
    return html_path, deck_path
