"""Calibration against a planted truth: interval coverage and the fit test's size and power.

The truth plants three settings no other test fits (``market.growth`` 0.03 -> 0.07,
``market.deal_rate.mid`` 0.10 -> 0.13, ``policy.discounts.distributor.base`` 0.30 -> 0.24)
in the calibration market; histories of 36 months come from the truth on their own seeds
and are calibrated from the hand-set values with the command line's defaults (5
replications per candidate, the default budget for three settings) and a 12-month holdout.

The acceptance study (``tools/recovery.py``: 20 histories, then 20 with an unannounced
5-point discount cut at month 18) costs about 870 runs a history (estimated 6 minutes on
two free cores; 19 minutes measured on a shared machine), so ``make test-slow`` runs three
histories of the truth and asserts what a correct method passes with high probability at
that size (the thresholds are binomial, stated at each assert): it can fail. The fit test's
power against the cut is not asserted: measured on two cut histories it rejected neither
(``docs/calibration.md``), an acceptance point of #21 not met; ``tools/recovery.py`` runs that
study. The figures measured so far are in ``docs/calibration.md``. The normal suite runs one
short calibration of the same design on the small market to check the study's plumbing.
"""

import numpy as np
import pytest
from conftest import FIXTURES

from analysis.studies.recovery import (
    CUT,
    CUT_WEEK,
    TRUTH,
    Planted,
    run_recovery,
    summary,
    truth_of,
    with_change,
)

CALIB = FIXTURES / "calib.yaml"


def cut(design: Planted):
    """The truth with the distributor discount cut by 5 points at month 18, unannounced."""
    return with_change(truth_of(design), CUT, CUT_WEEK)


def test_the_recovery_study_runs_and_reports(tmp_path):
    # the plumbing only, on the small market (the statistics are the slow tests')
    design = Planted(FIXTURES / "small.yaml", months=14, holdout=2, reps=2, budget=10,
                     omega_runs=4)
    table = run_recovery(design, truth_of(design), 1, tmp_path, engine="serial")
    assert sorted(table["setting"]) == sorted(TRUTH) and (table["history"] == 0).all()
    assert table["low_90"].le(table["high_90"]).all() and table["width_share"].between(0, 1).all()
    got = summary(table)
    assert got["histories"] == 1 and set(got["coverage"]) == set(TRUTH)
    assert got["j_tested"] == 0                  # 4 runs are too few for the fit test
    assert (tmp_path / "recovery.csv").is_file()
    # the misspecified history: the cut is in the history, not in the model fitted
    sc = cut(design)
    assert sc.policy.discounts.distributor["base"] == 0.19
    assert sc.policy_before.discounts.distributor["base"] == 0.24
    assert sc.rollout.full_week == CUT_WEEK and sc.rollout.announce_weeks == 0


@pytest.mark.slow
def test_intervals_cover_a_planted_truth_and_the_fit_test_holds_its_size(tmp_path):
    histories = 3
    design = Planted(CALIB)
    table = run_recovery(design, truth_of(design), histories, tmp_path)
    got = summary(table)
    print(got)
    # 9 intervals at 90%: P(at least 6 cover) = 0.992 for a correct method
    assert table["covers"].sum() >= 6, got
    # each setting: P(at least 1 of 3) = 0.999
    assert min(got["covered"].values()) >= 1, got
    # 3 correct fits at 5%: P(at most 1 rejected) = 0.993
    assert got["j_rejections"] <= 1, got
    assert np.isfinite(table["p_value"]).all()
