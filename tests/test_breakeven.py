"""Break-even (#23): where a strategy's post-start change in turnover crosses zero."""

import json
import shutil
from html import unescape

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES

from analysis.cli import main
from analysis.comparison.paired import compare
from analysis.comparison.stats import Interval
from analysis.studies import breakeven
from analysis.studies.common import StudyError
from analysis.studies.roots import find_roots, regression_guess
from sim.experiments.compare import run_comparison
from sim.experiments.engines import SerialEngine
from sim.scenario import load_scenario


def noisy(fn, half):
    """A change known to ``fn`` with an interval of half-width ``half``."""
    def f(x):
        v = fn(x)
        return Interval(v, v - half, v + half)
    return f


@pytest.mark.parametrize("root", [0.13, 0.5, 0.77, 0.96])
def test_a_monotone_change_is_found_within_5_percent_of_the_range(root):
    s = find_roots(noisy(lambda x: 2.0 * (root - x), 0.01), 0.0, 1.0, 0.4)
    assert len(s.roots) == 1 and s.steps <= 6
    r = s.roots[0]
    assert abs(r.estimate - root) < 0.05 and not r.rising
    assert r.low <= root <= r.high


def test_a_good_guess_is_the_first_split():
    s = find_roots(noisy(lambda x: x - 0.3, 0.0), 0.0, 1.0, 0.8, guess=0.3001, steps=1)
    assert 0.3001 in s.points and abs(s.roots[0].estimate - 0.3) < 1e-3 and s.roots[0].rising


def test_no_crossing_and_two_crossings():
    assert find_roots(noisy(lambda x: 1 + x, 0.1), 0.0, 1.0, 0.5).roots == []
    two = find_roots(noisy(lambda x: 0.04 - (x - 0.5) ** 2, 0.001), 0.0, 1.0, 0.5)
    assert [round(r.estimate, 1) for r in two.roots] == [0.3, 0.7]
    assert two.steps == 6


def test_noise_widens_the_interval_to_the_clear_points():
    # the sign is unclear within 0.2 of the root: the interval reaches the clear points
    s = find_roots(noisy(lambda x: 0.6 - x, 0.2), 0.0, 1.0, 0.0)
    r = s.roots[0]
    assert r.low <= 0.4 + 1e-9 and r.high >= 0.8 - 1e-9
    assert all(abs(x - 0.6) >= 0.2 for x in (r.low, r.high))


def test_regression_guess_reads_a_planted_root():
    rng = np.random.default_rng(0)
    X = rng.uniform([0, 10], [1, 20], size=(30, 2))
    y = 3.0 * (0.7 - X[:, 0]) + 0.1 * (X[:, 1] - 15)     # zero at a = 0.7 with b at 15
    g = regression_guess(X, y, np.array([0.5, 15.0]))
    assert g[0].root == pytest.approx(0.7) and g[0].slope == pytest.approx(-3.0)
    assert g[1].root == pytest.approx(15 - 0.6 / 0.1)
    flat = regression_guess(np.column_stack([X[:, 0], np.full(30, 2.0)]), y, np.array([0.5, 2]))
    assert flat[1].root is None


# -- the study on stored comparisons ----------------------------------------------------
BASE, CUT = FIXTURES / "small_uncertain.yaml", FIXTURES / "small_cut.yaml"


@pytest.fixture(scope="module")
def small_compare(tmp_path_factory):
    """small_cut against small_uncertain (3 uncertainties): 3 futures of 26 weeks."""
    out = tmp_path_factory.mktemp("be") / "cmp"
    scs = {n: load_scenario(f) for n, f in (("small_uncertain", BASE), ("small_cut", CUT))}
    run_comparison(scs, "small_uncertain", 3, 2, 26, out, SerialEngine())
    return out


def channelsim(capsys, *args):
    """The command run in this process (no interpreter start): exit status and stderr."""
    code = main_code(*args)
    return code, capsys.readouterr().err


def main_code(*args):
    """The command's exit status, run in this process."""
    with pytest.raises(SystemExit) as end:
        main([str(a) for a in args])
    return end.value.code


def copy_of(folder, tmp_path):
    dest = tmp_path / "cmp"
    shutil.copytree(folder, dest)
    return dest


# nominal values of small_uncertain's uncertainties, as written
NOMINAL = {"competitor.aggressiveness": 0.5, "market.growth": 0.0, "choice.price": 8.0}
# change per unit of each: growth's falls from +1% at nominal through zero at 0.04
SLOPES = {"market.growth": -0.01 / 0.04, "choice.price": 0.001, "competitor.aggressiveness": 0.0}


def fake_points(store, first, points, scs):
    """The rows run_points would give if the change were 1% + slope * (x - nominal)."""
    base, name = list(scs)
    rows = []
    for i, pt in enumerate(points):
        ((path, x),) = pt[name].items() if pt[name] else (("", 0.0),)
        change = 0.01 + (SLOPES[path] * (x - NOMINAL[path]) if path else 0.0)
        for rep in range(store.manifest()["reps"]):
            wobble = 0.001 * (rep - 1)
            rows += [{"point": first + i, "rep": rep, "scenario": base,
                      "turnover_after": 100.0},
                     {"point": first + i, "rep": rep, "scenario": name,
                      "turnover_after": 100.0 * (1 + change + wobble)}]
    return pd.DataFrame(rows)


@pytest.fixture
def planted(monkeypatch):
    def run(scs, points, store, engine, first, progress, fn):
        return fake_points(store, first, points, scs)
    monkeypatch.setattr(breakeven, "run_points", run)


def test_a_planted_root_is_found_within_5_percent_of_the_range(small_compare, tmp_path,
                                                               planted):
    folder = copy_of(small_compare, tmp_path)
    # growth's change crosses zero at 0.04 (range -0.05 to 0.1); price and aggressiveness
    # keep the sign over their ranges
    r = breakeven.run_breakeven(folder, reps=3)
    s = r.searches["small_cut"]
    growth = s["market.growth"]
    assert len(growth.roots) == 1 and growth.steps <= 6
    assert abs(growth.roots[0].estimate - 0.04) < 0.05 * 0.15
    assert s["choice.price"].roots == [] and s["competitor.aggressiveness"].roots == []
    assert r.lines[0].startswith("small_cut grows turnover after week 20")
    assert "unless `market.growth` > 0.04" in r.lines[0]
    doc = json.loads(breakeven.save_breakeven(r).read_text())
    g = doc["strategies"]["small_cut"]["uncertainties"]["market.growth"]
    assert g["verdict"] == "root" and g["turns_when"].startswith("> 0.04")
    assert doc["strategies"]["small_cut"]["uncertainties"]["choice.price"]["verdict"] == (
        "none within the range")


def test_a_budget_cuts_the_bisection_steps(small_compare, tmp_path, planted):
    folder = copy_of(small_compare, tmp_path)
    first = 7 * 2 * 3           # nominal and 3 x 2 ends, 2 scenarios, 3 futures
    r = breakeven.run_breakeven(folder, reps=3, budget=first + 2 * 2 * 3)
    assert r.searches["small_cut"]["market.growth"].steps == 2 and r.runs <= first + 12


def test_breakeven_runs_on_the_small_model_and_its_centre_is_compares(tmp_path):
    # one uncertainty keeps it quick: nominal and 2 ends, 2 scenarios, 2 futures
    (tmp_path / "one.yaml").write_text(f"extends: {FIXTURES / 'small.yaml'}\nname: one\n"
                                       "uncertainties:\n  market.growth: {low: -0.05, high: 0.1}\n")
    scs = {"one": load_scenario(tmp_path / "one.yaml"), "small_cut": load_scenario(CUT)}
    # run as written (--no-uncertainty): no draws to regress on, and the same centre
    run_comparison(scs, "one", 2, 2, 22, tmp_path / "c", SerialEngine(), uncertainty=False)
    r = breakeven.run_breakeven(tmp_path / "c", steps=0)
    doc = json.loads(breakeven.save_breakeven(r).read_text())
    growth = doc["strategies"]["small_cut"]["uncertainties"]["market.growth"]
    assert [p["value"] for p in growth["points"]] == [-0.05, 0.0, 0.1]
    assert growth["first_estimate"] is None and doc["runs"] == 3 * 2 * 2
    assert doc["sentences"][0].startswith("small_cut ")
    # its centre is compare's headline with every uncertainty as written, same window
    w = compare(tmp_path / "c").strategies["small_cut"].windows.turnover_after
    centre = r.at_nominal["small_cut"]
    assert (centre.estimate, centre.low) == pytest.approx((w.estimate, w.low), rel=1e-12)


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: d / "nothing", "not a results folder of channelsim compare"),
    (lambda d: [(d / "cmp" / "tables" / "_blocks" / "small_cut" / "block-00000.json").rename(
        d / "x"), d / "cmp"][1],
     "the comparison is unfinished"),
    (lambda d: [(d / "s").mkdir(), (d / "s" / "manifest.json").write_text(
        '{"kind": "sensitivity"}'), d / "s"][2], "a sensitivity folder, not a comparison"),
])
def test_bad_folders_are_one_line_and_exit_2_writing_nothing(small_compare, tmp_path, make,
                                                             message, capsys):
    copy_of(small_compare, tmp_path)
    folder = make(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    code, err = channelsim(capsys, "breakeven", folder, "--workers", "1", "--quiet")
    assert code == 2 and message in err and len(err.splitlines()) == 1
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize(("args", "message"), [
    (["--budget", "10"], "--budget 10: the ends and nominal alone need 42 runs"),
    (["--reps", "7"], "--reps 7: between 2 and the comparison's 3 futures"),
    (["--budget", "0"], "--budget"),
])
def test_bad_settings_are_refused_before_any_run(small_compare, tmp_path, args, message,
                                                 capsys):
    folder = copy_of(small_compare, tmp_path)
    code, err = channelsim(capsys, "breakeven", folder, *args, "--quiet")
    assert code == 2 and message in err
    assert not (folder / "breakeven").exists() and not (folder / "breakeven.json").exists()


def test_a_comparison_without_uncertainties_is_refused(tmp_path):
    scs = {n: load_scenario(FIXTURES / f"{n}.yaml") for n in ("small", "small_cut")}
    run_comparison(scs, "small", 2, 2, 26, tmp_path / "c", SerialEngine())
    with pytest.raises(StudyError, match="declares no uncertainties"):
        breakeven.run_breakeven(tmp_path / "c")


def test_the_report_section_says_what_the_verdict_rests_on(small_compare, tmp_path, planted):
    from analysis.report.html import breakeven_section, templates

    folder = copy_of(small_compare, tmp_path)
    assert breakeven_section(folder) is None                    # not run: no section
    r = breakeven.run_breakeven(folder, reps=3)
    breakeven.save_breakeven(r, "channelsim breakeven cmp")
    section = breakeven_section(folder)
    page = unescape(templates().get_template("_breakeven.html.j2").render(breakeven=section))
    assert r.lines[0] in page and "channelsim breakeven cmp" in page
    rows = {row[1]: row for row in section["rows"]}
    assert rows["choice.price"][4] == "none within the range"
    assert rows["market.growth"][4].startswith("0.04") and rows["market.growth"][5] == "> 0.04"
    assert rows["market.growth"][6].startswith("+2.2%")      # 1% + 0.25 x 0.05 at -0.05


@pytest.mark.slow
def test_the_report_and_deck_say_what_the_verdict_rests_on(small_compare, tmp_path, planted):
    from pptx import Presentation

    from analysis.report.html import build_report

    folder = copy_of(small_compare, tmp_path)
    r = breakeven.run_breakeven(folder, reps=3)
    breakeven.save_breakeven(r, "channelsim breakeven cmp")
    html, deck = build_report(folder, pptx=True)
    page = unescape(html.read_text())
    assert "What the verdict rests on" in page and r.lines[0] in page
    texts = [sh.text_frame.text for sl in Presentation(deck).slides for sh in sl.shapes
             if sh.has_text_frame]
    assert any(r.lines[0] in t for t in texts)


def test_compare_with_a_budget_too_small_for_breakeven_runs_nothing(tmp_path, capsys):
    code, err = channelsim(capsys, "compare", BASE, CUT, "--reps", "2", "--weeks", "22",
                           "--breakeven", "5", "--workers", "1", "--quiet", "--out",
                           tmp_path / "c")
    assert code == 2 and "--breakeven 5: the ends and nominal alone need 28 runs" in err
    assert not (tmp_path / "c").exists()


def test_compare_then_breakeven_in_one_command(tmp_path, capsys, planted):
    code = main_code("compare", BASE, CUT, "--reps", "2", "--weeks", "22", "--breakeven",
                     "100", "--workers", "1", "--quiet", "--out", tmp_path / "c")
    out = capsys.readouterr().out
    # --quiet hides progress only: the comparison's summary, then the break-even lines
    assert code == 0 and out.startswith("Strategies against small_uncertain")
    assert "\nsmall_cut grows turnover after week 20" in out
    doc = json.loads((tmp_path / "c" / "breakeven.json").read_text())
    assert doc["runs"] <= 100
    # the summary says what the verdict rests on, and a rewritten summary keeps it
    said = doc["strategies"]["small_cut"]["sentence"]
    summary = tmp_path / "c" / "summary.json"
    assert json.loads(summary.read_text())["strategies"]["small_cut"]["rests_on"][
        "sentence"] == said
    from analysis.comparison.paired import compare
    from analysis.report.files import write_summary

    write_summary(compare(tmp_path / "c"), tmp_path / "c")
    assert json.loads(summary.read_text())["strategies"]["small_cut"]["rests_on"][
        "sentence"] == said


def test_the_words_name_where_the_verdict_turns():
    from analysis.studies.breakeven_words import strategy_sentence, turning

    # roots at 0.25 and 0.75, which bisection from 0.5 hits exactly
    hump = find_roots(noisy(lambda x: 0.0625 - (x - 0.5) ** 2, 0.001), 0.0, 1.0, 0.5)
    assert turning(hump, grows=True) == "< 0.25 or > 0.75"
    dip = find_roots(noisy(lambda x: (x - 0.5) ** 2 - 0.0625, 0.001), 0.0, 1.0, 0.5)
    assert turning(dip, grows=False) == "< 0.25 or > 0.75"
    assert turning(dip, grows=True) == "between 0.25 and 0.75"
    flat = find_roots(noisy(lambda x: -1.0, 0.1), 0.0, 1.0, 0.5)
    assert turning(flat, grows=False) is None
    text = strategy_sentence("s", 9, Interval(-1.0, -1.1, -0.9), {"a": flat, "b": dip})
    assert text == ("s shrinks turnover after week 9 (-1.0% [-1.1, -0.9] with every uncertainty "
                    "at nominal) unless `b` < 0.25 or > 0.75 (the others at nominal).")
