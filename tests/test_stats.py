"""Statistics of paired comparisons against scipy and hand-worked series."""

import numpy as np
import pytest
from scipy import stats

from analysis.comparison.stats import bootstrap, dip_and_recovery, paired_t, rolling_mean, wilson


def test_paired_t_matches_scipy():
    rng = np.random.default_rng(1)
    base = rng.normal(100, 10, 40)
    strat = base + rng.normal(-2, 3, 40)
    ci = stats.ttest_rel(strat, base).confidence_interval(0.95)
    iv = paired_t(strat - base)
    assert iv.estimate == pytest.approx(np.mean(strat - base))
    assert (iv.low, iv.high) == pytest.approx((ci.low, ci.high), rel=1e-12)


def test_bootstrap_percentile_agrees_with_scipy():
    rng = np.random.default_rng(2)
    d = rng.normal(1.0, 2.0, 60)
    iv = bootstrap(d, resamples=20000)
    ref = stats.bootstrap((d,), np.mean, method="percentile", n_resamples=20000,
                          rng=np.random.default_rng(3)).confidence_interval
    assert iv.low == pytest.approx(ref.low, abs=0.05)
    assert iv.high == pytest.approx(ref.high, abs=0.05)


def test_wilson_known_values():
    # 8 of 10: p = 0.8, Wilson 95% interval [0.4902, 0.9433]
    iv = wilson(8, 10)
    assert iv.estimate == 0.8
    assert (iv.low, iv.high) == pytest.approx((0.49016, 0.94331), abs=1e-4)
    zero = wilson(0, 20)
    assert zero.estimate == 0 and zero.low == 0 and zero.high == pytest.approx(0.16113, abs=1e-4)


def test_dip_and_recovery_on_a_known_series():
    weeks = np.arange(1, 41)
    base = np.full(40, 1000.0)
    diff = np.zeros(40)
    diff[19:25] = [-10, -30, -50, -40, -20, -6]  # weeks 20-25: dip of -50 at week 22
    diff[25:] = -4.0  # within the 0.5% tolerance (-5) from week 26 on
    dip = dip_and_recovery(weeks, diff, base, start=20)
    assert dip.depth == -50 and dip.week == 22 and dip.depth_pct == pytest.approx(-5.0)
    assert dip.recovery_week == 26
    # a dip that never recovers within the horizon
    diff[30:] = -20
    assert dip_and_recovery(weeks, diff, base, start=20).recovery_week is None
    # a recovery needs 8 weeks in a row within tolerance
    diff = np.zeros(40)
    diff[19] = -50
    diff[24] = -50  # a relapse at week 25 delays recovery to week 26
    assert dip_and_recovery(weeks, diff, base, start=20).recovery_week == 26
    # no dip at all: recovered at once
    assert dip_and_recovery(weeks, np.zeros(40), base, 5).recovery_week is not None


def test_rolling_mean():
    np.testing.assert_allclose(rolling_mean(np.array([4.0, 8, 0, 4, 8]), 4),
                               [4, 6, 4, 4, 5])
