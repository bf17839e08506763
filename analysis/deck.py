"""The slide deck: title, summary, one chart per slide with its finding as the title."""

from __future__ import annotations

import io
import os
from pathlib import Path

from pptx import Presentation
from pptx.util import Inches, Pt

WIDE, HIGH = Inches(13.333), Inches(7.5)


def build_deck(path: Path, comp, charts, lines: dict[str, list[str]]) -> Path:
    """Write the deck to ``path`` (atomically) and return it."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE, HIGH
    title = prs.slides.add_slide(prs.slide_layouts[0])
    title.shapes.title.text = f"Channel strategies against {comp.baseline}"
    # layout 0 holds a title and a subtitle, layout 1 a title and a body: shapes[1] each
    title.shapes[1].text = (f"{len(comp.strategies)} strategies, simulated futures "
                            f"paired with today's rules - {comp.weeks} weeks")
    summary = prs.slides.add_slide(prs.slide_layouts[1])
    summary.shapes.title.text = "What the simulation says"
    body = summary.shapes[1].text_frame
    body.clear()
    first = True
    for ls in lines.values():
        p = body.paragraphs[0] if first else body.add_paragraph()
        first = False
        p.text = ls[0]
        p.font.size = Pt(16)
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
