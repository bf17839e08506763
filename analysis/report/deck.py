"""The slide deck: title, summary, one chart per slide with its finding as the title."""

from __future__ import annotations

import io
import os
from pathlib import Path

from pptx import Presentation
from pptx.util import Inches, Pt

WIDE, HIGH = Inches(13.333), Inches(7.5)


def build_deck(path: Path, title: str, subtitle: str, lines: list[str], charts,
               tables=()) -> Path:
    """Write the deck to ``path`` (atomically) and return it.

    Args:
        path: the .pptx file.
        title: the title slide's title.
        subtitle: the title slide's subtitle.
        lines: the findings, one paragraph each on the summary slide.
        charts: rendered charts (``title`` and PNG bytes ``raw``), one slide each.
        tables: ``(title, header, rows)`` of text, one slide each after the summary.

    """
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE, HIGH
    first_slide = prs.slides.add_slide(prs.slide_layouts[0])
    first_slide.shapes.title.text = title
    # layout 0 holds a title and a subtitle, layout 1 a title and a body: shapes[1] each
    first_slide.shapes[1].text = subtitle
    summary = prs.slides.add_slide(prs.slide_layouts[1])
    summary.shapes.title.text = "What the simulation says"
    body = summary.shapes[1].text_frame
    body.clear()
    for i, line in enumerate(lines):
        p = body.paragraphs[0] if i == 0 else body.add_paragraph()
        p.text = line
        p.font.size = Pt(16)
    for t in tables:
        _table_slide(prs, *t)
    for chart in charts:
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        slide.shapes.title.text = chart.title
        slide.shapes.title.text_frame.paragraphs[0].font.size = Pt(22)
        slide.shapes.add_picture(io.BytesIO(chart.raw), Inches(1.2), Inches(1.4),
                                 height=Inches(5.8))
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    prs.save(tmp)
    os.replace(tmp, path)
    return path


def _table_slide(prs, title: str, header: list[str], rows: list[list[str]]) -> None:
    """A slide with a title and a table of text."""
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = title
    slide.shapes.title.text_frame.paragraphs[0].font.size = Pt(22)
    shape = slide.shapes.add_table(len(rows) + 1, len(header), Inches(0.6), Inches(1.5),
                                   Inches(12.1), Inches(0.4) * (len(rows) + 1))
    for i, line in enumerate([header, *rows]):
        for j, text in enumerate(line):
            cell = shape.table.cell(i, j)
            cell.text = text
            cell.text_frame.paragraphs[0].font.size = Pt(14)
