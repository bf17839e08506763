"""A study's findings on disk and as a report (sweep, sensitivity, discovery, optimisation).

Each study command ends by calling :func:`save_study`: its tables as CSV, its charts as
PNG and ``study.json`` (title, sentences, file names, the command). ``channelsim report``
on the folder renders them with :func:`build_study_report` into one self-contained page
(and a deck), as it does for a comparison.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from analysis.report.html import Chart, _finding, templates
from sim.experiments.store import ResultStore, write_atomic

STUDY_FILE = "study.json"
ROWS_SHOWN = 40


def save_study(result, command: str) -> None:
    """Write a study's tables (``<name>.csv``), charts (``<name>.png``) and ``study.json``.

    ``result`` is a :class:`~analysis.studies.common.StudyResult`: its folder, kind, title,
    subtitle, sentences (headline first), tables and figures by file stem (figures are
    closed once saved), and whether the headline is a risk to turnover (the report marks it
    red); ``command`` is the command line that reproduces the study.
    """
    folder = result.folder
    charts = []
    for name, fig in result.figures.items():
        fig.savefig(folder / f"{name}.png", dpi=110)
        charts.append({"file": f"{name}.png", "title": _finding(fig)})
        plt.close(fig)
    for name, table in result.tables.items():
        write_atomic(folder / f"{name}.csv", table.to_csv(index=False))
    doc = {"kind": result.kind, "title": result.title, "subtitle": result.subtitle,
           "sentences": result.sentences, "tables": list(result.tables), "charts": charts,
           "command": command, "loss": result.loss}
    write_atomic(folder / STUDY_FILE, json.dumps(doc, indent=1))


def is_study(folder: Path) -> bool:
    """True for a study's folder (rather than a comparison's)."""
    return (Path(folder) / STUDY_FILE).is_file()


def _cell(v) -> tuple[str, bool]:
    """A table cell's text, and whether it is prose (wrapped, left-aligned)."""
    if isinstance(v, float):
        return (f"{v:,.4g}" if abs(v) < 1e5 else f"{v:,.0f}"), False
    return str(v), isinstance(v, str)


@dataclass
class Study:
    """A study folder loaded for a report: its summary, charts and tables."""

    doc: dict
    manifest: dict
    charts: list
    tables: dict


def load_study(folder: str | Path) -> Study:
    """Read a study folder's summary, charts (as PNG) and tables (first rows, as text)."""
    folder = Path(folder)
    doc = json.loads((folder / STUDY_FILE).read_text(encoding="utf-8"))
    charts = []
    for c in doc["charts"]:
        raw = (folder / c["file"]).read_bytes()
        charts.append(Chart(c["file"], doc["kind"], c["title"], base64.b64encode(raw).decode(),
                            raw))
    tables = {}
    for name in doc["tables"]:
        t = pd.read_csv(folder / f"{name}.csv")
        tables[name.replace("_", " ")] = {
            "header": list(t.columns), "file": f"{name}.csv",
            "rows": [[_cell(v) for v in row] for row in t.head(ROWS_SHOWN).itertuples(False)],
            "more": max(len(t) - ROWS_SHOWN, 0)}
    return Study(doc, ResultStore(folder).manifest(), charts, tables)


def build_study_report(folder: str | Path, out: str | Path | None = None,
                       pptx: bool = False) -> tuple[Path, Path | None]:
    """Write the HTML page (and with ``pptx`` the deck) of a study folder."""
    folder = Path(folder)
    st = load_study(folder)
    doc, man = st.doc, st.manifest
    html = templates().get_template("study.html.j2").render(
        title=doc["title"], subtitle=doc["subtitle"], sentences=doc["sentences"],
        loss=doc.get("loss", False), charts=st.charts, tables=st.tables,
        version=man["channelsim_version"], seed=man["seed"], reps=man["reps"],
        weeks=man["weeks"], command=doc["command"], hashes=_hashes(man))
    html_path = Path(out) if out is not None else folder / "report.html"
    write_atomic(html_path, html)
    deck_path = None
    if pptx:
        from analysis.report.deck import build_deck

        deck_path = html_path.with_suffix(".pptx")
        build_deck(deck_path, doc["title"], doc["subtitle"], doc["sentences"], st.charts)
    return html_path, deck_path


def _hashes(man: dict) -> dict[str, str]:
    """Scenario hashes of a study's or a sweep's (comparison) manifest."""
    return {n: (s["hash"] if isinstance(s, dict) else s) for n, s in man["scenarios"].items()}
