"""The headline's windows (#23, in part): known effects from a known week, read exactly."""

import numpy as np
import pandas as pd
import pytest

from analysis.comparison.narrative import headline
from analysis.comparison.paired import compare
from analysis.comparison.windows import payback_weeks, timing

WEEKS, REPS, SWITCH, FULL = 52, 5, 20, 30


def _kpis() -> pd.DataFrame:
    """Baseline turnover 100 + rep a week, margin 30; the strategy from week 20: turnover
    0.9 x the baseline's, margin 25 for four weeks (a transition) then 32."""
    rows = []
    for rep in range(REPS):
        for week in range(1, WEEKS + 1):
            base = 100.0 + rep
            after = week >= SWITCH
            margin = 30.0 if not after else 25.0 if week < SWITCH + 4 else 32.0
            for name, turnover, m in (("base", base, 30.0),
                                      ("strat", 0.9 * base if after else base, margin)):
                rows.append({"scenario": name, "rep": rep, "week": week, "turnover": turnover,
                             "margin": m, "price_dumping": 0.0, "agents_active": 10.0,
                             "top20_share": 0.5, "fill_rate": 1.0, "relationships_broken": 0,
                             "conflicts": 0, "deals_created": 10})
    return pd.DataFrame(rows)


def _result():
    from analysis.comparison.paired import compare_one

    return compare_one(_kpis(), "base", "strat", SWITCH, -0.01, first_effect=SWITCH, full=FULL)


def test_windowed_changes_are_exact_on_a_known_effect():
    r = _result()
    w = r.windows
    assert w.turnover_after.estimate == pytest.approx(-10.0)
    assert w.turnover_after_full.estimate == pytest.approx(-10.0)
    assert w.run_rate.estimate == pytest.approx(-10.0)
    # the whole horizon dilutes it: 33 of 52 weeks at -10%
    assert r.turnover_change_pct.estimate == pytest.approx(-10.0 * 33 / 52)
    # margin from week 20: 4 weeks at -5, 29 at +2, over 33 weeks of 30
    assert w.margin_after.estimate == pytest.approx(100 * (-20 + 58) / (33 * 30))


def test_payback_is_the_week_cumulative_margin_turns_for_good():
    """Cumulative Δ margin: -20 after week 23, +2 a week after: 0 in week 33, for good."""
    r = _result()
    assert r.payback.share == 1.0 and r.payback.median == 33
    assert "paid back by week 33" in headline(r, WEEKS)


def test_recovery_is_said_only_where_the_futures_agree():
    t = timing([40, 41, None, None, 45])
    assert t.words("recovered") == "recovered in 3 of 5 futures (median week 41)"
    t = timing([40, 42, 44, 46, None])
    assert t.words("recovered").startswith("recovered by week 43 (median of 4 of 5")
    assert timing([None, None]).words("recovered") == \
        "not recovered by the end of the horizon in any future"


def test_payback_weeks_per_future():
    weeks = list(range(1, 6))
    mb = pd.DataFrame([[1.0] * 5, [1.0] * 5, [1.0] * 5], columns=weeks)
    ms = pd.DataFrame([[0.0, 1.0, 3.0, 1.0, 1.0],      # cum -1, -1, +1: back in week 3
                       [2.0, 1.0, 1.0, 1.0, 1.0],      # never below
                       [0.0, 0.0, 1.0, 1.0, 1.5]],     # ends at -1.5: never
                      columns=weeks)
    assert payback_weeks(ms, mb, 1) == [3, 1, None]


def test_the_headline_reads_the_window_after_the_first_effect():
    comp = compare(_kpis(), "base", ["strat"], starts={"strat": SWITCH})
    s = headline(comp.strategies["strat"], WEEKS)
    assert f"from week {SWITCH} to week {WEEKS} -10.0%" in s and "margin" in s
    assert np.isfinite(comp.summary()["run_rate_pct"]).all()


def test_the_diet_compares_with_the_quarter_before_the_first_effect():
    """Forward buying at 1.5x in the 4 announcement weeks (16-19), then 0.9x from week 20:
    the quarter after the start (weeks 20-32) against weeks 3-15, not against 7-19."""
    from analysis.comparison.paired import compare_one

    k = _kpis()
    spike = (k["scenario"] == "strat") & k["week"].between(16, 19)
    k.loc[spike, "turnover"] = 1.5 * (100.0 + k.loc[spike, "rep"])
    r = compare_one(k, "base", "strat", SWITCH, -0.01, first_effect=16, full=FULL)
    assert r.diet.estimate == pytest.approx(-10.0)          # 0.9 x 13 weeks / 13 weeks - 1
    assert r.p_diet.estimate == 1.0 and r.p_diet_baseline.estimate == 0.0
