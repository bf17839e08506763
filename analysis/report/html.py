"""The HTML report and the slide deck of a stored comparison."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
from jinja2 import Environment, FileSystemLoader, select_autoescape

from analysis.comparison.breakdown import MATERIAL_SHARE
from analysis.comparison.narrative import sentences
from analysis.comparison.paired import Comparison, compare, relationships_by
from analysis.comparison.results import Results
from analysis.comparison.scenario_diff import scenario_diff
from analysis.report.answers import answers
from analysis.report.change_tables import (
    BREAKDOWN_HEADER,
    PARTS_HEADER,
    booked_notes,
    breakdown_rows,
    deck_parts,
    parts_rows,
)
from analysis.report.charts import all_charts
from analysis.report.charts.style import readable
from sim.experiments.store import ResultStore, write_atomic


def assumption_rows(baseline: dict, uncertain: list[str]) -> list[list[str]]:
    """The model's assumptions as the report shows them, from the schema's metadata.

    One row per assumption (``sim.scenario.reference.assumptions``): the setting, the value
    the baseline used (or "drawn per future"), its plausible range and its meaning.
    """
    from sim.scenario.reference import assumptions
    from sim.scenario.schema import resolve_path

    rows = []
    for e in assumptions():
        try:
            value = resolve_path(baseline, e.path)
        except KeyError:
            continue
        if isinstance(value, dict | list):
            continue
        used = "drawn per future" if e.path in uncertain else f"{value:g}" if isinstance(
            value, float) else str(value)
        plausible = "" if not e.plausible else f"{e.plausible[0]:g} to {e.plausible[1]:g}"
        rows.append([e.path, used, plausible, e.meaning])
    return rows


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
    ("strategy", "strategy", None), ("from week", "first_effect_week", "week"),
    ("Δ turnover after start", "turnover_after_start_pct", "pct"),
    ("95% CI", ("turnover_after_start_pct_low", "turnover_after_start_pct_high"), "ci"),
    ("Δ margin after start", "margin_after_start_pct", "pct"),
    ("run rate (last 13 weeks)", "run_rate_pct", "pct"),
    ("Δ turnover, whole horizon", "turnover_change_pct", "pct"), ("P(shrink)", "p_shrink", "p"),
    ("P(shrink, 9 mo)", "p_shrink_9m", "p"), ("diet", "p_diet", "p"),
    ("diet, baseline", "p_diet_baseline", "p"), ("worst dip", "dip_pct", "pct"),
    ("dip week", "dip_week", "week"), ("futures recovered", "recovered_share", "p"),
    ("median recovery week", "recovery_week_median", "week"),
    ("Δ conflicts /100 deals", "change_conflicts_per_100_deals", "num"),
    ("Δ active agents", "change_agents_active", "num"),
    ("Δ relationships broken", "change_relationships_broken", "num"),
)


def stored_material_share(folder: Path) -> float:
    """The materiality share ``compare`` used (its ``summary.json``), else the default."""
    try:
        doc = json.loads((Path(folder) / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return MATERIAL_SHARE
    return float(doc.get("material_share", MATERIAL_SHARE))


def breakeven_section(folder: Path) -> dict | None:
    """What the report shows of ``channelsim breakeven`` (None when it was not run)."""
    from analysis.studies.breakeven_words import load_breakeven, report_rows

    doc = load_breakeven(folder)
    if doc is None:
        return None
    return {"lines": [s["sentence"] for s in doc["strategies"].values()],
            "rows": report_rows(doc), "reps": doc["reps"], "command": doc["command"],
            "doc": doc}


def _write_deck(path: Path, res: Results, comp: Comparison, told, charts,  # noqa: PLR0913
                rests_on: dict | None, base_text: str, command: str) -> Path:
    """The comparison's deck beside the page: the answers, the charts, how it was made."""
    from analysis.report.deck import DeckContent, comparison_deck

    man = res.manifest
    uncertain = sorted({k for d in man["uncertain_values"] for k in d}) or ["none"]
    method = [
        f"Each strategy ran in the same {man['reps']} simulated futures as "
        f"{readable(res.baseline)} (today's rules), with the same random numbers; every "
        "figure is the paired difference, future by future.",
        "Intervals are 95% paired-t intervals; P(shrink) is the share of futures in which "
        "turnover over the horizon is below the baseline's. \"After the start\" runs from each "
        f"strategy's first effect week (its announcement included) to week {man['weeks']}.",
        f"channelsim {man['channelsim_version']}, seed {man['seed']}; uncertain values drawn "
        f"per future: {', '.join(uncertain)}.",
        f"Reproduce: {command}",
        *(rests_on["lines"] if rests_on else []),
    ]
    base_text = base_text.strip()
    return comparison_deck(path, DeckContent(
        title=f"Channel strategies against {readable(res.baseline)}",
        subtitle=(f"{base_text}\n" if base_text else "")
        + f"{len(comp.strategies)} strategies, {man['reps']} simulated futures paired with "
          f"today's rules, {comp.weeks} weeks; money in {res.currency}",
        answers=told, pictures={c.key: c.raw for c in charts},
        parts=deck_parts(comp), method=method))


def _headings(res: Results, comp: Comparison) -> dict[str, str]:
    """Each chart section's heading: a readable name, the baseline marked as such."""
    out = {"All scenarios": "Turnover, strategy by strategy",
           res.baseline: f"{readable(res.baseline)} (the baseline)"}
    out.update({n: readable(r.title) for n, r in comp.strategies.items()})
    return out


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
    comp = compare(res, material_share=stored_material_share(folder))
    for r in comp.strategies.values():      # every sentence and table names it readably
        r.label = readable(r.title)
    lines = sentences(comp)
    store = ResultStore(folder)
    charts = render_charts(res, comp)
    sections: dict[str, list[Chart]] = {}
    for c in charts:
        sections.setdefault(c.section, []).append(c)
    base_doc = store.scenario(res.baseline)
    diffs = {n: scenario_diff(base_doc, store.scenario(n)) for n in comp.strategies}
    broken = {n: relationships_by(res.kpis, res.baseline, n, r.start_week).to_dict("records")
              for n, r in comp.strategies.items()}
    change = {n: {"parts": parts_rows(r.decomposition),
                  "breakdown": breakdown_rows(r.decomposition, r.losses),
                  "first": r.decomposition.first_effect_week}
              for n, r in comp.strategies.items() if r.decomposition is not None}
    summary = comp.summary()
    rows = [[r[col] if kind is None else _fmt(
        tuple(r[c] for c in col) if isinstance(col, tuple) else r[col], kind)
        for _, col, kind in SUMMARY_COLUMNS] for r in summary.to_dict(orient="records")]
    man = res.manifest
    env = templates()
    uncertain = sorted({k for d in man["uncertain_values"] for k in d}) or ["none"]
    rests_on = breakeven_section(folder)
    docs = {n: store.scenario(n)["scenario"] for n in res.scenarios}
    told = answers(comp, lines, {n: d.get("description", "") for n, d in docs.items()},
                   rests_on["doc"] if rests_on else None)
    title = f"Channel strategies against {readable(res.baseline)}"
    command = (f"channelsim compare {' '.join(n + '.yaml' for n in res.scenarios)} "
               f"--reps {man['reps']} --weeks {man['weeks']} --seed {man['seed']}")
    html = env.get_template("report.html.j2").render(
        title=title,
        subtitle=f"{len(comp.strategies)} strategies, {man['reps']} simulated futures each, "
                 f"{man['weeks']} weeks; money in {res.currency}.",
        baseline_description=docs[res.baseline].get("description", ""), answers=told,
        baseline_label=readable(res.baseline),
        headings=_headings(res, comp),
        sentences=lines, results=comp.strategies, baseline=res.baseline,
        reps=man["reps"], summary_header=[h for h, _, _ in SUMMARY_COLUMNS],
        summary_rows=rows, chart_sections=sections, diffs=diffs, broken=broken,
        change=change, parts_header=PARTS_HEADER, breakdown_header=BREAKDOWN_HEADER,
        booked=booked_notes(),
        diagnosis=diagnosis_html(diagnose_results(res)),
        assumptions=assumption_rows(base_doc["scenario"], uncertain),
        version=man["channelsim_version"], seed=man["seed"], weeks=man["weeks"],
        uncertain=", ".join(uncertain), command=command,
        hashes={n: s["hash"] for n, s in man["scenarios"].items()},
        calibration=calibration, breakeven=rests_on,
    )
    html_path = Path(out) if out is not None else folder / "report.html"
    write_atomic(html_path, html)
    deck_path = None
    if pptx:
        deck_path = _write_deck(html_path.with_suffix(".pptx"), res, comp, told, charts,
                                rests_on, docs[res.baseline].get("description", ""), command)
    return html_path, deck_path
