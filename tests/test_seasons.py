"""Seasonality fitted from a history (#21, item 7): the month effects, their test, the fit.

Known answers for the regression and the correction on the model, then a calibration of a
history planted with seasons in the calibration market.
"""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, cli

from analysis.studies.history import history_table
from analysis.studies.seasons import (
    MIN_SEASON_MONTHS,
    SeasonFit,
    fit_seasons,
    month_effects,
    season_sentence,
)
from sim import load_scenario, run_model
from sim.experiments.history import monthly_channels, weeks_for

CALIB = FIXTURES / "calib.yaml"
# a strong calendar (a winter low, a spring and autumn high), as factors of deal arrival
PLANTED = [0.6, 0.7, 1.0, 1.25, 1.35, 1.2, 0.9, 0.8, 1.2, 1.35, 1.0, 0.65]


def _effects(factors) -> np.ndarray:
    log = np.log(np.asarray(factors, dtype=float))
    return log - log.mean()


def test_month_effects_of_an_exact_pattern_are_the_pattern():
    s = _effects(PLANTED)
    t = np.arange(36)
    y = 250.0 * np.exp(0.06 * t / 12 + s[t % 12])
    fit = month_effects(y)
    np.testing.assert_allclose(fit.effects, s, atol=1e-10)
    assert fit.p_value == 0.0
    np.testing.assert_allclose(fit.factors, np.exp(s) / np.exp(s).mean())
    # the log scale: a series ten times larger has the same effects and test
    assert month_effects(10 * y).effects == pytest.approx(fit.effects, abs=1e-10)


def test_a_trend_with_noise_shows_no_seasons_and_a_pattern_with_noise_does():
    rng = np.random.default_rng(5)
    t = np.arange(36)
    noise = rng.normal(0.0, 0.08, size=36)
    flat = month_effects(100 * np.exp(0.05 * t / 12 + noise))
    seasonal = month_effects(100 * np.exp(0.05 * t / 12 + _effects(PLANTED)[t % 12] + noise))
    assert flat.p_value > 0.05 and np.abs(flat.effects).max() < 0.15
    assert seasonal.p_value < 1e-6
    # the effects differ from the planted ones by the noise's month means alone
    month_noise = np.array([noise[t % 12 == m].mean() for m in range(12)])
    month_noise -= month_noise.mean()
    assert seasonal.effects - _effects(PLANTED) == pytest.approx(
        flat.effects, abs=1e-10)                 # the same regression, shifted by the pattern
    assert np.abs(flat.effects - month_noise).max() < 0.05   # trend fitted, not the months


def test_the_correction_on_the_model_undoes_its_damping_step_by_step():
    # a model whose revenue shows half of deal arrival's month effects: x' = x + (o - x / 2)
    # from x = o gives 1.5 o, 1.75 o, 1.875 o after three corrections
    observed = _effects(PLANTED)
    t = np.arange(36)

    def simulate(factors):
        half = 0.5 * _effects(factors)
        return np.array([80.0 * np.exp(0.04 * t / 12 + half[t % 12])] * 3)

    history = 120.0 * np.exp(observed[t % 12])
    fit = fit_seasons(history, simulate, steps=3)
    np.testing.assert_allclose(_effects(fit.fitted), 1.875 * observed, atol=1e-9)
    np.testing.assert_allclose(fit.simulated, 0.5 * 1.75 * observed, atol=1e-9)
    assert fit.fitted.mean() == pytest.approx(1.0)


def test_no_seasons_are_fitted_from_a_short_history_or_from_luck():
    t = np.arange(MIN_SEASON_MONTHS - 1)
    short = 50.0 * np.exp(_effects(PLANTED)[t % 12])

    def never(_):
        raise AssertionError("no model run when no seasons are fitted")

    assert fit_seasons(short, never).fitted is None
    flat = 50.0 * np.exp(np.random.default_rng(1).normal(0, 0.05, 36))
    fit = fit_seasons(flat, never)
    assert fit.fitted is None and fit.observed.p_value > 0.05


def test_the_sentence_says_whether_seasons_were_off_absent_or_fitted():
    t = np.arange(36)
    shown = month_effects(100 * np.exp(_effects(PLANTED)[t % 12] + 0.01 * np.sin(t)))
    assert shown.p_value < 0.05
    off = season_sentence(SeasonFit(shown, None, None, asked=False), 36)
    assert off.startswith("Seasons not fitted (--no-seasons")   # not "no pattern"
    fitted = season_sentence(SeasonFit(shown, np.array(PLANTED) / np.mean(PLANTED), None), 36)
    assert fitted.startswith("Seasons fitted") and "highest month 5" in fitted
    short = season_sentence(SeasonFit(shown, None, None), 20)
    assert short.startswith("Seasons not fitted: 20 months")


@pytest.mark.slow  # a calibration (~1 min alone); the fast suite checks the wiring
def test_a_seasonal_history_gets_its_calendar(tmp_path):
    """A history of the calibration market with planted seasons: the calibrated file
    carries ``market.seasonality`` close to what was planted (the model's revenue shows
    about half of arrival's month effects, so reading the history's own pattern would
    halve it), and says so."""
    sc = load_scenario(CALIB)
    truth = sc.model_copy(update={"market": sc.market.model_copy(
        update={"seasonality": PLANTED})})
    path = tmp_path / "seasonal.csv"
    history_table(run_model(truth, 77, weeks_for(36)), 36).to_csv(path, index=False)
    out, res = tmp_path / "c.yaml", tmp_path / "r"
    r = cli("calibrate", CALIB, "--history", path, "--fit", "market.deal_rate.key=0.1:0.5",
            "--reps", "3", "--budget", "10", "--omega-runs", "20", "--out", out,
            "--results", res, "--quiet")
    assert r.returncode == 0, r.stderr
    fitted = load_scenario(out).market.seasonality
    assert fitted is not None and len(fitted) == 12
    planted, got = _effects(PLANTED), _effects(fitted)
    assert np.corrcoef(planted, got)[0, 1] > 0.8
    # the arrival factors, not revenue's damped pattern: the amplitude is the planted one's
    amplitude = np.std(got) / np.std(planted)
    assert 0.7 < amplitude < 1.4, amplitude
    table = pd.read_csv(res / "seasons.csv")
    assert (table["p_value"] < 0.05).all() and len(table) == 12
    assert np.std(table["observed_effect"]) < np.std(got)       # revenue damps the calendar
    doc = json.loads((res / "study.json").read_text())
    assert any(line.startswith("Seasons fitted") for line in doc["sentences"])


@pytest.mark.slow  # 12 runs of the calibration market
def test_the_season_test_rejects_histories_without_seasons_at_about_its_level():
    """Histories of the calibration market made without seasons (12 seeds): the 5% test
    rejects at most 3 (P(4 or more of 12) = 0.002 for a test of its size)."""
    sc = load_scenario(CALIB)
    p = [month_effects(sum(monthly_channels(run_model(sc, seed, weeks_for(36)).kpis(),
                                            36).values())).p_value
         for seed in range(2020, 2032)]
    assert sum(v < 0.05 for v in p) <= 3, p
