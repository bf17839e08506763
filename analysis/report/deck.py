"""The slide deck: a title, the summary table, one slide per strategy, a short appendix.

For five strategies that is eleven slides: the title; one table with a row per strategy
(verdict, turnover and margin after the start with intervals, P(shrink), dip); per strategy
its verdict sentence, figures, what the verdict rests on, the pilot and its dip chart; then
the turnover of every strategy in small panels, the channel map of today's rules and of each
strategy, where the change comes from, and how the figures were made. Every picture is
scaled from its pixel size into a box inside the slide, keeping its aspect, so none runs past
an edge.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from pptx import Presentation
from pptx.enum.text import MSO_AUTO_SIZE
from pptx.util import Emu, Inches, Pt

from analysis.report.answers import Answer

WIDE, HIGH = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
SUMMARY_HEADER = ["strategy", "verdict", "Δ turnover after start (95% CI)",
                  "Δ margin after start (95% CI)", "P(shrink)", "worst dip"]


@dataclass
class DeckContent:
    """What the deck shows (texts, and charts as PNG bytes by chart key)."""

    title: str
    subtitle: str
    answers: list[Answer]
    pictures: dict[str, bytes]
    parts: tuple[list[str], list[list[str]]] | None = None
    method: list[str] = field(default_factory=list)


def fit_box(px: tuple[int, int], left: int, top: int, width: int,
            height: int) -> tuple[int, int, int, int]:
    """The largest ``(left, top, width, height)`` of a picture inside a box, aspect kept.

    The picture is centred in the box, so it lies inside it whatever its shape.
    """
    scale = min(width / px[0], height / px[1])
    w, h = int(px[0] * scale), int(px[1] * scale)
    return left + (width - w) // 2, top + (height - h) // 2, w, h


def add_picture(slide, raw: bytes, left: int, top: int, width: int, height: int):
    """Place a PNG as large as fits in the box, keeping its aspect."""
    with Image.open(io.BytesIO(raw)) as im:
        x, y, w, h = fit_box(im.size, left, top, width, height)
    return slide.shapes.add_picture(io.BytesIO(raw), Emu(x), Emu(y), Emu(w), Emu(h))


def comparison_deck(path: Path, deck: DeckContent) -> Path:
    """Write a comparison's deck to ``path`` (atomically) and return it."""
    prs = _presentation(deck.title, deck.subtitle)
    _table_slide(prs, "The answer, strategy by strategy", SUMMARY_HEADER,
                 [[a.label, a.verdict, a.turnover, a.margin, a.p_shrink, a.dip]
                  for a in deck.answers], widths=(2.1, 2.4, 2.3, 2.3, 1.2, 2.03))
    for a in deck.answers:
        _strategy_slide(prs, a, deck.pictures.get(f"difference_{a.name}"))
    if "turnover_fan" in deck.pictures:
        slide = _titled(prs, "Appendix: turnover of each strategy against the baseline")
        add_picture(slide, deck.pictures["turnover_fan"], MARGIN, Inches(1.3),
                    WIDE - 2 * MARGIN, HIGH - Inches(1.3) - MARGIN)
    if "channel_maps" in deck.pictures:
        slide = _titled(prs, "Appendix: who serves whom, today and under each strategy")
        add_picture(slide, deck.pictures["channel_maps"], MARGIN, Inches(1.3),
                    WIDE - 2 * MARGIN, HIGH - Inches(1.3) - MARGIN)
    if deck.parts:
        _table_slide(prs, "Appendix: where Δ turnover comes from (mean per future)", *deck.parts)
    if deck.method:
        slide = _titled(prs, "Appendix: how these figures were made")
        _text(slide, deck.method, MARGIN, Inches(1.4), WIDE - 2 * MARGIN, Inches(5.6), 12)
    return _save(prs, path)


def build_deck(path: Path, title: str, subtitle: str, lines: list[str], charts,
               tables=()) -> Path:
    """Write a study's deck: title, findings, tables, one chart per slide; return its path.

    Args:
        path: the .pptx file.
        title: the title slide's title.
        subtitle: the title slide's subtitle.
        lines: the findings, one paragraph each on the summary slide.
        charts: rendered charts (``title`` and PNG bytes ``raw``), one slide each.
        tables: ``(title, header, rows)`` of text, one slide each after the summary.

    """
    prs = _presentation(title, subtitle)
    slide = _titled(prs, "What the simulation says")
    _text(slide, lines, MARGIN, Inches(1.4), WIDE - 2 * MARGIN, Inches(5.6), 16)
    for t in tables:
        _table_slide(prs, *t)
    for chart in charts:
        slide = _titled(prs, chart.title, size=22)
        add_picture(slide, chart.raw, MARGIN, Inches(1.3), WIDE - 2 * MARGIN,
                    HIGH - Inches(1.3) - MARGIN)
    return _save(prs, path)


def _presentation(title: str, subtitle: str):
    """A 16:9 presentation with its title slide."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE, HIGH
    first = prs.slides.add_slide(prs.slide_layouts[0])
    # layout 0 holds a title and a subtitle (shapes[1]), placed for a 4:3 slide: widen them
    head, sub = first.shapes.title, first.shapes[1]
    head.left, head.top, head.width, head.height = (Inches(1.0), Inches(1.6),
                                                    WIDE - Inches(2.0), Inches(1.6))
    sub.left, sub.top, sub.width, sub.height = (Inches(1.0), Inches(3.4),
                                                WIDE - Inches(2.0), Inches(3.2))
    head.text = title
    sub.text = subtitle
    for p in sub.text_frame.paragraphs:
        p.font.size = Pt(18)
    return prs


def _save(prs, path: Path) -> Path:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    prs.save(tmp)
    os.replace(tmp, path)
    return path


def _titled(prs, title: str, size: int = 26):
    """A slide with only a title (layout 5), inside the slide's margins."""
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    t = slide.shapes.title
    t.left, t.top, t.width, t.height = MARGIN, Inches(0.3), WIDE - 2 * MARGIN, Inches(0.9)
    t.text = title
    t.text_frame.paragraphs[0].font.size = Pt(size)
    return slide


def _text(slide, paragraphs: list[str], left, top, width, height, size: int,
          bold_first: bool = False) -> None:
    """A text box of paragraphs, wrapped to its width."""
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    # a long finding shrinks to its box (PowerPoint and LibreOffice honour this on opening)
    # rather than running past the slide's bottom edge
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    for i, line in enumerate(paragraphs):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.text = line
        p.font.size = Pt(size)
        p.font.bold = bold_first and i == 0
        p.space_after = Pt(6)


def _strategy_slide(prs, a: Answer, chart: bytes | None) -> None:
    """One strategy: its verdict and figures left, its dip chart right."""
    slide = _titled(prs, a.label)
    head = [f"Verdict: {a.verdict}"] + ([a.description] if a.description else [])
    _text(slide, head, MARGIN, Inches(1.1), WIDE - 2 * MARGIN, Inches(0.8), 15,
          bold_first=True)
    left_w = Inches(5.6)
    _text(slide, [a.sentence,
                  f"Turnover after the start (week {a.from_week}): {a.turnover}",
                  f"Margin after the start: {a.margin}",
                  f"Shrinks in {a.p_shrink}; worst dip {a.dip}",
                  f"Rests on: {a.rests_on}",
                  f"Pilot: {a.pilot}"],
          MARGIN, Inches(2.0), left_w, Inches(5.0), 13)
    right = MARGIN + left_w + Inches(0.3)
    box_w = WIDE - MARGIN - right
    if chart is not None:
        add_picture(slide, chart, right, Inches(2.0), box_w, Inches(3.8))
    if a.losses:
        _text(slide, [a.losses], right, Inches(5.9), box_w, Inches(1.2), 11)


def _table_slide(prs, title: str, header: list[str], rows: list[list[str]],
                 widths: tuple[float, ...] | None = None) -> None:
    """A slide with a title and a table of text, inside the slide's margins."""
    slide = _titled(prs, title)
    shape = slide.shapes.add_table(len(rows) + 1, len(header), MARGIN, Inches(1.4),
                                   WIDE - 2 * MARGIN, Inches(0.4) * (len(rows) + 1))
    if widths:
        for col, inches in zip(shape.table.columns, widths, strict=True):
            col.width = Inches(inches)
    size = 14 if len(header) <= 4 else 12
    for i, line in enumerate([header, *rows]):
        for j, text in enumerate(line):
            cell = shape.table.cell(i, j)
            cell.text = text
            cell.text_frame.paragraphs[0].font.size = Pt(size)
