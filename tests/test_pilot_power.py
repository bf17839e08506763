"""What a pilot can detect: the estimator, placebo, power and randomisation test (#24)."""

import json
from math import comb

import numpy as np
import pytest
from conftest import FIXTURES, cli
from scipy.stats import norm

from analysis.comparison.pilot import PilotResult
from analysis.comparison.pilot_power import (
    PilotWindows,
    cube_totals,
    detectability,
    did,
    mde,
    power,
    randomisation_p,
    smallest_p,
)


def test_windows_end_the_pre_period_at_the_first_effect():
    # the reform: announced in week 22, piloted from week 26 to week 51
    assert PilotWindows.of(22, 26, 52) == PilotWindows(1, 22, 26, 52)
    # a pilot of 10 weeks from week 40, announced in week 30: the 10 weeks before week 30
    assert PilotWindows.of(30, 40, 50) == PilotWindows(20, 30, 40, 50)
    assert PilotWindows.of(40, 40, 50) == PilotWindows(30, 40, 40, 50)


def test_the_estimator_compares_weekly_rates_by_known_answer():
    w = PilotWindows(1, 5, 5, 7)          # 4 weeks before, 2 weeks of pilot
    pre = np.array([[40.0, 40.0, 80.0]])  # weekly rates 10, 10, 20
    post = np.array([[24.0, 20.0, 40.0]])  # weekly rates 12, 10, 20
    pilot = np.array([True, False, False])
    # pilot +20%, control (30 -> 30 a week) 0%: 20 points
    np.testing.assert_allclose(did(pre, post, pilot, w), [20.0])
    np.testing.assert_allclose(did(pre, post, ~pilot, w), [-20.0])


def test_power_and_minimum_detectable_effect_known_answers():
    assert mde(1.0) == pytest.approx(2.80) and mde(2.5) == pytest.approx(7.0)
    assert power(0.0, 3.0) == pytest.approx(2 * norm.cdf(-1.96))          # the level, 5%
    assert power(2.8, 1.0) == pytest.approx(norm.cdf(0.84) + norm.cdf(-4.76))  # 80%
    assert power(-2.8, 1.0) == pytest.approx(power(2.8, 1.0))
    assert np.isnan(power(1.0, 0.0))


def test_randomisation_smallest_p_is_one_over_the_number_of_region_sets():
    assert smallest_p(10, 2) == pytest.approx(1 / 45)        # the reform: 2 of 10 regions
    assert smallest_p(10, 1) == pytest.approx(0.10)          # no 5% test exists
    assert smallest_p(4, 1) == 0.25 and comb(10, 3) == 120
    # one region grows 50%, the others not at all: only the actual set is as extreme
    w = PilotWindows(1, 2, 2, 3)
    pre = np.full((1, 5), 10.0)
    post = np.array([[15.0, 10.0, 10.0, 10.0, 10.0]])
    assert randomisation_p(pre, post, np.array([1, 0, 0, 0, 0], bool), w)[0] == 1 / 5
    post2 = np.array([[15.0, 15.0, 10.0, 10.0, 10.0]])
    two = np.array([1, 1, 0, 0, 0], bool)
    assert randomisation_p(pre, post2, two, w)[0] == pytest.approx(smallest_p(5, 2))
    # a pilot region with no effect is an ordinary draw: every set is as extreme
    assert randomisation_p(pre, post, np.array([0, 1, 0, 0, 0], bool), w)[0] == 1.0


def test_detectability_from_a_normal_placebo():
    rng = np.random.default_rng(3)
    placebo = rng.normal(0.0, 2.0, 20_000)
    measured = rng.normal(5.0, 2.0, 4_000)
    d = detectability("turnover", placebo, measured, np.full(4_000, 4.0))
    assert d.placebo_sd == pytest.approx(2.0, rel=0.02)
    assert abs(d.placebo_mean) < 3 * d.placebo_se
    assert d.threshold == pytest.approx(1.96 * d.placebo_sd)
    assert d.mde == pytest.approx(2.8 * d.placebo_sd)
    assert d.power == pytest.approx(power(4.0, d.placebo_sd))
    assert d.leakage_bias == pytest.approx(1.0, abs=0.1)      # measured 5 against a true 4
    assert d.rejected == pytest.approx(power(5.0, 2.0), abs=0.03)


def test_wrong_sign_is_judged_against_the_true_pilot_effect():
    r = PilotResult(["a"], 10, 20, measured=np.array([1.0, -1.0, 2.0, 3.0]),
                    true_pilot=np.array([2.0, 2.0, 2.0, -1.0]),
                    true_rollout=np.array([-5.0, -5.0, -5.0, -5.0]),
                    spillover=np.zeros(4))
    assert r.p_wrong_sign == 0.5        # against the rollout it would have been 1.0
    assert r.leakage_bias == pytest.approx(np.mean([-1.0, -3.0, 0.0, 4.0]))


def test_the_win_rate_estimator_compares_ratios_by_known_answer():
    from analysis.comparison.pilot_power import WindowTotals

    w = PilotWindows(1, 5, 5, 7)
    # pilot region: 50 of 100 deals won before, 30 of 50 after (50% -> 60%); control 40% both
    t = WindowTotals(["a", "b"],
                     pre={"deals_won": np.array([[50.0, 40.0]]),
                          "deals_decided": np.array([[100.0, 100.0]])},
                     post={"deals_won": np.array([[30.0, 20.0]]),
                           "deals_decided": np.array([[50.0, 50.0]])})
    assert t.has("win_rate") and not t.has("turnover")
    np.testing.assert_allclose(t.estimate("win_rate", ["a"], w), [20.0])
    base = WindowTotals(["a", "b"], pre=t.pre, post={"deals_won": np.array([[25.0, 20.0]]),
                                                      "deals_decided": np.array([[50.0, 50.0]])})
    np.testing.assert_allclose(t.true_effect(base, "win_rate", t.mask(["a"])), [20.0])


def test_cube_windows_read_one_based_weeks():
    cube = {"turnover": np.arange(1.0, 13.0).reshape(1, 6, 2)}   # weeks 1..6, 2 regions
    t = cube_totals(cube, ["a", "b"], PilotWindows(1, 3, 3, 5))
    np.testing.assert_allclose(t.pre["turnover"], [[1 + 3, 2 + 4]])
    np.testing.assert_allclose(t.post["turnover"], [[5 + 7, 6 + 8]])


def test_compare_with_a_placebo_reports_power_and_the_test_to_run(tmp_path):
    out = tmp_path / "o"
    args = ["compare", FIXTURES / "small.yaml", FIXTURES / "small_pilot.yaml", "--reps", "3",
            "--weeks", "32", "--placebo", "12", "--workers", "1", "--out", out]
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    assert "No design-based test at 5% exists for 1 of 4 regions" in r.stdout
    assert "placebo over 12 futures without the strategy" in r.stdout
    pilot = json.loads((out / "summary.json").read_text())["strategies"]["small_pilot"]["pilot"]
    assert pilot["pilot_placebo_futures"] == 12
    assert pilot["pilot_mde_pct"] == pytest.approx(2.8 * pilot["pilot_placebo_sd_pct"])
    assert pilot["pilot_ri_smallest_p"] == 0.25
    assert set(pilot["metrics"]) == {"turnover", "sell_through", "deals_won", "win_rate"}
    assert pilot["windows"] == {"pre_lo": 1, "pre_hi": 15, "post_lo": 15, "post_hi": 30}
    stamp = (out / "placebo.npz").stat().st_mtime_ns
    manifest = json.loads((out / "manifest.json").read_text())
    from analysis.studies.placebo import write_placebo
    from sim import load_scenario

    # a rerun on the same futures reuses the stored placebo (an engine that ran would fail)
    write_placebo(out, load_scenario(FIXTURES / "small.yaml"), manifest, 12, engine=None)
    assert (out / "placebo.npz").stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_placebo_is_centred_and_power_matches_the_rejection_rate():
    """Over 2 x 300 futures of the case's baseline, the reform's pilot design (#24)."""
    from analysis.studies.placebo import placebo_cube
    from sim import load_scenario

    sc = load_scenario(FIXTURES.parent.parent / "scenarios" / "case_baseline.yaml")
    w = PilotWindows.of(22, 26, 52)
    cube = placebo_cube(sc, w.post_hi - 1, 600, 2024, "processes")
    tot = cube_totals(cube, list(sc.market.regions), w)
    pilot = tot.mask(["volga", "urals"])
    est = did(tot.pre["turnover"], tot.post["turnover"], pilot, w)
    first, second = est[:300], est[300:]
    sigma = first.std(ddof=1)
    assert abs(est.mean()) < 3 * est.std(ddof=1) / np.sqrt(est.size)   # centred on zero
    post = tot.post["turnover"][300:].copy()
    post[:, pilot] *= 1.0 + 2.0 * sigma / 100.0               # a planted effect near 2 sigma
    planted = did(tot.pre["turnover"][300:], post, pilot, w)
    effect = float(np.mean(planted - second))                 # the plant in the estimate's units
    rate = float(np.mean(np.abs(planted) > 1.96 * sigma))
    se = np.sqrt(rate * (1 - rate) / 300)
    assert abs(power(effect, sigma) - rate) < 3 * se, (power(effect, sigma), rate)


def test_pilot_design_says_plainly_when_no_pilot_can_tell(tmp_path):
    out = tmp_path / "d"
    r = cli("pilot-design", FIXTURES / "small_pilot.yaml", "--futures", "20", "--reps", "3",
            "--budget", "60", "--workers", "1", "--out", out)
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]
    assert first.startswith("run budget 60: 52 for two placebos of 20 futures")
    assert "No pilot meets the brief" in r.stdout
    import pandas as pd

    designs = pd.read_csv(out / "pilot_design.csv")
    # 1-3 of 4 regions x 2 durations (13 and 26 weeks fit after week 15 of 52)
    assert len(designs) == (4 + 6 + 4) * 2 and not designs["chosen"].any()
    assert (out / "pilot_design.png").stat().st_size > 10_000     # the trade-off chart
    doc = json.loads((out / "study.json").read_text())
    assert doc["kind"] == "pilot-design" and doc["sentences"][1].startswith("No pilot meets")
    page = cli("report", out, "--pptx")        # its page and slide, as for any study
    assert page.returncode == 0, page.stderr
    assert "No pilot meets the brief" in (out / "report.html").read_text()
    assert (out / "report.pptx").is_file()


@pytest.mark.parametrize(("args", "reason"), [
    (["--candidates", "mars"], "unknown region(s) mars"),
    (["--metric", "joy"], "--metric joy: one of turnover, sell_through, deals_won"),
    (["--budget", "30"], "--budget 30: the placebos, baselines and target need 52 runs"),
])
def test_pilot_design_bad_inputs_are_one_line_and_write_nothing(tmp_path, args, reason):
    out = tmp_path / "d"
    r = cli("pilot-design", FIXTURES / "small_pilot.yaml", "--futures", "20", "--reps", "3",
            *args, "--out", out)
    assert r.returncode == 2 and reason in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not out.exists()


@pytest.mark.slow
def test_pilot_design_finds_a_design_where_one_exists_and_confirms_it(tmp_path):
    from analysis.studies.pilot_design import WRONG_SIGN_MAX, Brief, design_pilot
    from sim import load_scenario

    base = load_scenario(FIXTURES / "pilot_market.yaml")
    strategy = load_scenario(FIXTURES / "pilot_market_drastic.yaml")
    o = design_pilot(base, strategy, Brief(metric="deals_won", futures=80, reps=8,
                                           budget=400, seed=3), "processes")
    assert o.target < -30                     # deals won fall by a third and more
    assert o.chosen is not None
    assert o.chosen.meets_mde(o.target) and o.chosen.wrong_sign <= WRONG_SIGN_MAX
    smaller = [r for r in o.rows if r.size < o.chosen.size]
    assert all(not r.meets_mde(o.target) or r.wrong_sign > WRONG_SIGN_MAX for r in smaller)
    assert o.confirmed is not None and o.confirmed_ok, o.confirmed
