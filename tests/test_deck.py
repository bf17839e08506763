"""The board-ready outputs (#25): a short deck with every picture inside its slide, a report
whose first screen answers for every strategy, charts whose titles and ticks are readable."""

import io
from html import unescape
from types import SimpleNamespace

import pandas as pd
import pytest
from conftest import FIXTURES
from PIL import Image
from pptx import Presentation

from analysis.comparison.paired import compare
from analysis.comparison.results import Results
from analysis.comparison.stats import Interval
from analysis.report.answers import Answer, verdict
from analysis.report.charts import all_charts
from analysis.report.charts.studies import sensitivity_chart
from analysis.report.charts.style import MONEY, MoneyFormatter, figure, readable, tidy
from analysis.report.deck import DeckContent, build_deck, comparison_deck, fit_box
from analysis.report.html import build_report

FIVE = {"small_cut": "small_cut", "small_pilot": "small_pilot",
        "small_drastic": "small_drastic", "cut_again": "small_cut", "pilot_again": "small_pilot"}


@pytest.fixture(scope="module")
def five(tmp_path_factory):
    """A stored comparison of five strategies (each with a description), its report and deck."""
    from sim import load_scenario
    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import SerialEngine

    out = tmp_path_factory.mktemp("five")
    scs = {"small": load_scenario(FIXTURES / "small.yaml")}
    for name, file in FIVE.items():
        scs[name] = load_scenario(FIXTURES / f"{file}.yaml").model_copy(
            update={"description": f"The {file} rules, told as {name}."})
    run_comparison(scs, "small", 2, 2, 44, out, SerialEngine())
    html, deck = build_report(out, pptx=True)
    return SimpleNamespace(folder=out, html=unescape(html.read_text()),
                           deck=Presentation(str(deck)), comp=compare(out))


def _inside(prs):
    """Every picture's (slide number, left, top, right, bottom) and the slide's size."""
    return [(i, sh.left, sh.top, sh.left + sh.width, sh.top + sh.height)
            for i, slide in enumerate(prs.slides, start=1) for sh in slide.shapes
            if sh.shape_type == 13], prs.slide_width, prs.slide_height


def test_the_deck_of_five_strategies_is_short_and_its_pictures_fit(five):
    slides = list(five.deck.slides)
    # title, summary table, five strategies, four appendix slides (the channel maps one)
    assert len(slides) == 11 <= 12
    pictures, wide, high = _inside(five.deck)
    assert len(pictures) == 7        # each strategy's dip chart, the small multiples, the maps
    for i, left, top, right, bottom in pictures:
        assert left >= 0 and top >= 0 and right <= wide and bottom <= high, i
    # the summary table: a header and one row per strategy, by its readable name
    table = next(sh for sh in slides[1].shapes if sh.has_table).table
    assert len(table.rows) == 1 + len(FIVE)
    assert [row.cells[0].text for row in list(table.rows)[1:]] == [readable(n) for n in FIVE]
    for row, r in zip(list(table.rows)[1:], five.comp.strategies.values(), strict=True):
        assert row.cells[1].text == verdict(r)
        t = r.windows.turnover_after
        assert row.cells[2].text == f"{t.estimate:+.1f}% ({t.low:+.1f}% to {t.high:+.1f}%)"
    # one slide per strategy, titled readably, its description and pilot on it
    for slide, name in zip(slides[2:7], FIVE, strict=True):
        assert slide.shapes.title.text == readable(name)
        text = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
        assert f"The {FIVE[name]} rules, told as {name}." in text
        assert "Pilot: " in text and "Rests on: " in text
    assert all(s.shapes.title.text.startswith("Appendix") for s in slides[7:])


def test_pictures_of_any_shape_are_scaled_into_the_slide(tmp_path):
    # known answer: a 900 x 480 picture in a 1000 x 1000 box is 1000 x 533, centred
    assert fit_box((900, 480), 0, 0, 1000, 1000) == (0, 233, 1000, 533)
    assert fit_box((200, 3000), 10, 20, 600, 300) == (300, 20, 20, 300)

    def png(w, h):
        buf = io.BytesIO()
        Image.new("RGB", (w, h), "white").save(buf, format="PNG")
        return buf.getvalue()

    answers = [Answer(f"s{i}", f"S{i}", "", "Grows turnover", "x " * 200, 10, "+1.0%",
                      "+1.0%", "10% of futures", "none", "n", "none", None, False)
               for i in range(5)]
    pictures = {f"difference_s{i}": png(*size) for i, size in
                enumerate([(3000, 200), (200, 3000), (4000, 4000), (90, 48), (1, 1)])}
    pictures["turnover_fan"] = png(100, 5000)
    path = comparison_deck(tmp_path / "d.pptx", DeckContent("t", "s", answers, pictures))
    placed, wide, high = _inside(Presentation(str(path)))
    assert len(placed) == 6
    for i, left, top, right, bottom in placed:
        assert left >= 0 and top >= 0 and right <= wide and bottom <= high, i
    # a study's deck, one chart per slide, fits them the same way
    charts = [SimpleNamespace(title=k, raw=v) for k, v in pictures.items()]
    path = build_deck(tmp_path / "s.pptx", "t", "s", ["a finding"], charts)
    placed, wide, high = _inside(Presentation(str(path)))
    assert len(placed) == 6
    for i, left, top, right, bottom in placed:
        assert left >= 0 and top >= 0 and right <= wide and bottom <= high, i


def test_the_first_screen_answers_for_every_strategy(five):
    html = five.html
    first = html[html.index('<section class="answer">'):html.index("</section>")]
    assert html.index("</section>") < html.index("<details")   # details come after it
    for name, r in five.comp.strategies.items():
        assert readable(name) in first and verdict(r) in first
        assert f"The {FIVE[name]} rules, told as {name}." in first
        t, m = r.windows.turnover_after, r.windows.margin_after
        assert f"{t.estimate:+.1f}% ({t.low:+.1f}% to {t.high:+.1f}%)" in first
        assert f"{m.estimate:+.1f}% ({m.low:+.1f}% to {m.high:+.1f}%)" in first
        assert f"{r.p_shrink.estimate:.0%} of futures" in first
    assert "break-even not run" in first
    # everything else is collapsible, one section per subject
    assert html.count("<details>") >= 5 + len(FIVE)
    # the small multiples replace the overlaid fans: one panel per strategy
    res = Results(five.folder)
    key, _, fig = next(all_charts(res, compare(res)))
    assert key == "turnover_fan"
    assert sum(ax.axison for ax in fig.axes) == len(FIVE)


def test_verdicts_follow_the_interval_of_turnover_after_the_start():
    def r(est, low, high, losses=None):
        return SimpleNamespace(windows=SimpleNamespace(turnover_after=Interval(est, low, high)),
                               losses=losses)

    assert verdict(r(2.0, 0.5, 3.5)) == "Grows turnover"
    assert verdict(r(-2.0, -3.5, -0.5)) == "Shrinks turnover"
    assert verdict(r(1.0, -1.0, 3.0)) == "Unclear, leans up"
    assert verdict(r(-1.0, -3.0, 1.0)) == "Unclear, leans down"
    lost = pd.DataFrame({"by": ["segment"]})
    assert verdict(r(2.0, 0.5, 3.5, lost)) == ("Grows turnover; material losses in part of "
                                               "the market")


def test_money_ticks_never_repeat():
    assert MONEY.format_ticks([1500, 2000, 2500, 3000]) == ["1.5k", "2.0k", "2.5k", "3.0k"]
    assert MONEY.format_ticks([250e3, 500e3, 750e3, 1e6]) == ["0.25M", "0.50M", "0.75M", "1.00M"]
    assert MONEY.format_ticks([-2e5, 0, 2e5, 4e5]) == ["-200k", "0", "200k", "400k"]
    assert MONEY(2500) == "2k"            # one label alone, as before


def _titles(fig):
    texts = [fig._suptitle] + [t for ax in fig.axes for t in (ax.title, ax._left_title)]
    return [t for t in texts if t is not None and t.get_text()]


def _check_readable(key, fig):
    """Every title inside the figure, every money axis with distinct tick labels."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    for t in _titles(fig):
        b = t.get_window_extent(renderer)
        assert b.x0 >= box.x0 - 1 and b.x1 <= box.x1 + 1, (key, t.get_text())
        assert b.y0 >= box.y0 - 1 and b.y1 <= box.y1 + 1, (key, t.get_text())
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_formatter(), MoneyFormatter):
                lo, hi = sorted(axis.get_view_interval())
                # the ticks drawn: those in view, labelled as the axis labels them
                locs = [v for v in axis.get_majorticklocs() if lo <= v <= hi]
                labels = axis.get_major_formatter().format_ticks(locs)
                assert len(set(labels)) == len(labels), (key, labels)


def test_no_chart_title_is_cut_and_no_money_tick_repeats(small_comparison):
    import matplotlib.pyplot as plt

    res = Results(small_comparison)
    for key, _, fig in all_charts(res, compare(res)):
        _check_readable(key, fig)
        plt.close(fig)
    # a tornado whose factors have long names: the bars start far right, the title wraps
    table = pd.DataFrame({"factor": ["behaviour.commitment.conflict_weight",
                                     "policy.discounts.distributor.base"],
                          "y_base": [1.0e6, 1.0e6], "y_low": [0.8e6, 0.95e6],
                          "y_high": [1.3e6, 1.02e6], "low": [0.1, 0.2], "high": [0.4, 0.9]})
    fig = sensitivity_chart(table, "tornado", "sell_through")
    _check_readable("tornado", fig)
    plt.close(fig)
    # every chart's title goes through tidy: a finding twice the figure's width wraps
    fig, ax = figure(4.0, 3.0)
    tidy(ax, "Case reform: the top 20% of agents make 64% of channel sales " * 2, "x", "y")
    _check_readable("tidy", fig)
    assert ax._left_title._get_wrapped_text().count("\n") >= 1
    plt.close(fig)
