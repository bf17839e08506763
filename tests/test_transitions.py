"""Transitions as they happen: rebate periods at a switch, stock on the net margin, forward
buying priced, a competitor that answers, seasons (the transitions issue)."""

import math

import numpy as np
import pytest
from conftest import scenario

from sim import run_model
from sim.rules import rebates as rb
from sim.rules.inventory import adjust, cover_factor, forward_weeks, net_price_factor
from sim.rules.market import restoring_discount, seasonal_factors
from sim.scenario import Scenario, deep_merge


def _strategy(base, policy: dict, rollout: dict, **other):
    data = deep_merge(base.model_dump(), {"policy": policy, "rollout": rollout, **other})
    return Scenario.model_validate(data).with_policy_before(base.policy)


# -- the rules, on worked numbers -------------------------------------------------------
def test_prorated_thresholds_and_the_expected_rate():
    np.testing.assert_allclose(rb.prorate([100.0, 400.0], 8 / 52), [100 * 8 / 52, 400 * 8 / 52])
    # 30 bought in 3 of 13 weeks: 130 a period; retroactive tiers (100: 1%, 200: 2%) -> 1%
    r = rb.expected_rate(np.array([30.0]), 3, 13, [100.0, 200.0], [0.01, 0.02], "retroactive")
    assert float(r[0]) == pytest.approx(0.01)
    # marginal: 130 earns 1% on 30 -> 0.3 / 130
    r = rb.expected_rate(np.array([30.0]), 3, 13, [100.0, 200.0], [0.01, 0.02], "marginal")
    assert float(r[0]) == pytest.approx(0.3 / 130)


def test_cover_moves_toward_its_target_at_the_rate():
    k = np.array([1.0])
    for _ in range(5):
        k = adjust(k, np.array([0.6]), 0.25)
    assert float(k[0]) == pytest.approx(0.6 + 0.4 * 0.75**5)


def test_a_cut_offset_by_a_rebate_leaves_the_net_price_and_the_cover():
    d0, d1 = 0.30, 0.25
    r = 1 - (1 - d0) / (1 - d1)                      # the rebate that makes up the cut
    before = net_price_factor(d0, 0.0, 0.0, 0.0)
    after = net_price_factor(d1, r, 0.0, 0.0)
    assert float(after) == pytest.approx(float(before))
    m0, m1 = 1 - before / 0.9, 1 - after / 0.9
    k = cover_factor(np.array([m1]), np.array([m0]), np.array([0.5]), np.array([0.5]), 2.5, 0.3)
    assert float(k[0]) == pytest.approx(1.0)
    assert float(forward_weeks(np.array([after / before - 1]), 0.25, 8)[0]) == pytest.approx(0)


def test_forward_buying_pays_only_while_the_saving_beats_holding():
    rises = np.array([-0.05, 0.0, 0.01, 0.02, 0.05, 0.2])
    k = forward_weeks(rises, 0.25, 8.0)
    # 52 x rise / 0.25: 2.08 weeks at 1%, 4.16 at 2%, 10.4 at 5% -> the credit limit, 8
    np.testing.assert_allclose(k, [0.0, 0.0, 2.08, 4.16, 8.0, 8.0])
    assert (np.diff(k) >= 0).all()


def test_the_competitor_moves_toward_the_share_it_lost_within_bounds():
    # gap 0.02 at share 0.5: slope 8 x 0.25 = 2, so the restoring step is 0.01; at 0.5 a week
    d = restoring_discount(0.05, 0.02, 8.0, 0.5, 0.5, 0.0, 0.15)
    assert d == pytest.approx(0.055)
    assert restoring_discount(0.05, 0.5, 8.0, 0.5, 1.0, 0.0, 0.15) == 0.15
    assert restoring_discount(0.05, -0.5, 8.0, 0.5, 1.0, 0.0, 0.15) == 0.0
    assert restoring_discount(0.05, 0.02, 8.0, 0.5, 0.0, 0.0, 0.15) == 0.05


def test_seasonal_factors_average_one_over_a_year():
    monthly = [1.3, 1.2, 1.0, 0.9, 0.7, 0.7, 0.8, 1.0, 1.1, 1.2, 1.3, 1.3]
    f = seasonal_factors(monthly, np.arange(1, 53))
    assert f.mean() == pytest.approx(1.0)
    assert f[0] > 1 and f[20] < 1
    np.testing.assert_allclose(seasonal_factors(monthly, np.arange(53, 105)), f)


# -- rebate periods at a switch ------------------------------------------------------------
ANNUAL = {"scheme": "retroactive", "period_weeks": 52,
          "tiers": [{"threshold": 2000.0, "rate": 0.01}, {"threshold": 20000.0, "rate": 0.03}]}


def _switch_at_60():
    base = scenario("small")
    before = deep_merge(base.model_dump(), {"policy": {"rebates": ANNUAL}, "weeks": 120})
    base = Scenario.model_validate(before)
    newer = {**ANNUAL, "tiers": [{"threshold": 1000.0, "rate": 0.02},
                                 {"threshold": 10000.0, "rate": 0.05}]}
    return base, _strategy(base, {"rebates": newer}, {"full_week": 60})


def test_a_switch_mid_period_settles_each_period_on_its_own_purchases():
    _, strategy = _switch_at_60()
    m = run_model(strategy, 3, 120)
    agents = m.tables()["agents"]
    per_week = agents.pivot(index="week", columns="agent_id", values="purchases")
    checked = {"closed": 0, "stub": 0}
    for s in m.incentives.log:
        if s.start < 1:
            continue                      # began in the warm-up: not all weeks recorded
        name = m.channel.names[s.agent]
        volume = per_week.loc[s.start:s.end, name].sum()
        assert volume == pytest.approx(s.volume, rel=1e-9, abs=1e-6)
        pol = m.policies[s.version].policy.rebates
        th = [t.threshold for t in pol.tiers]
        owed = rb.rebate(s.volume, rb.prorate(th, (s.end - s.start + 1) / 52),
                         [t.rate for t in pol.tiers], pol.scheme)
        assert s.settled == pytest.approx(float(owed), abs=1e-9)
        assert s.accrued + s.true_up == pytest.approx(s.settled, abs=1e-9)
        if s.end == 59:
            assert s.version == 0 and s.start == 52
            checked["closed"] += 1
        if s.start == 60:
            assert s.version == 1 and s.end == 103   # a stub to the scheme's boundary
            checked["stub"] += 1
    assert checked["closed"] > 0 and checked["stub"] > 0


def test_the_new_scheme_pays_nothing_on_purchases_before_the_switch():
    _, strategy = _switch_at_60()
    m = run_model(strategy, 4, 120)
    new = [s for s in m.incentives.log if s.version == 1]
    assert new and all(s.start >= 60 for s in new)


# -- stock on the net margin, forward buying ---------------------------------------------
def _offset_cut(announce: int = 4):
    base = scenario("small")
    d0, d1 = 0.28, 0.23
    rate = 1 - (1 - d0) / (1 - d1)
    policy = {"discounts": {"distributor": {"base": d1, "silver": d1, "gold": d1}},
              "rebates": {"scheme": "retroactive", "period_weeks": 13, "roles": ["distributor"],
                          "tiers": [{"threshold": 0.0, "rate": rate}]}}
    return _strategy(base, policy, {"full_week": 30, "announce_weeks": announce})


def test_a_cut_offset_by_a_rebate_makes_no_destocking_and_no_forward_buying():
    from sim import ChannelModel

    m = ChannelModel(_offset_cut(), rng=2, weeks=60)
    ds = m.distributors
    for _ in range(60):
        m.step()
        assert (ds.extra_weeks == 0).all()
        # the net margin a distributor expects is the same under either policy, so the
        # switch moves nothing in its cover
        now, later = (ds.net_margin(p, m.channel, m.incentives, m.week) for p in m.policies)
        np.testing.assert_allclose(later, now, atol=1e-12)


def test_forward_buying_before_an_announced_cut_and_never_after():
    from sim import ChannelModel

    base = scenario("small")
    cut = _strategy(base, {"discounts": {"distributor": {"base": 0.2, "silver": 0.2,
                                                         "gold": 0.2}}},
                    {"full_week": 30, "announce_weeks": 6})
    m = ChannelModel(cut, rng=2, weeks=50)
    seen = {}
    for _ in range(50):
        m.step()
        seen[m.week] = m.distributors.extra_weeks.copy()
    rise = (1 - 0.2) / (1 - 0.28) - 1
    expected = min(52 * rise / base.behaviour.inventory.holding_rate,
                   base.behaviour.inventory.credit_weeks)
    for w in range(24, 30):
        np.testing.assert_allclose(seen[w][seen[w] > 0], expected)
        assert (seen[w] > 0).any()
    assert all((seen[w] == 0).all() for w in range(30, 51))
    assert all((seen[w] == 0).all() for w in range(1, 24))


# -- a competitor that answers --------------------------------------------------------------
def _deep_marketplace_cut(response: float):
    base = scenario("case_baseline")            # a market in steady state
    base = Scenario.model_validate(deep_merge(base.model_dump(), {
        "competitor": {"response": response}, "weeks": 72, "uncertainties": {}}))
    return base, _strategy(base, {"marketplace": {"enabled": True, "price_discount": 0.3}},
                           {"full_week": 20})


@pytest.mark.parametrize("seed", [1, 2])
def test_an_answering_competitor_keeps_more_of_its_share(seed):
    gains = {}
    for response in (0.0, 0.3):
        base, cut = _deep_marketplace_cut(response)
        mb, ms = run_model(base, seed, 72), run_model(cut, seed, 72)
        kb, ks = mb.kpis(), ms.kpis()
        year = ks["week"].between(21, 72)
        share = ks.loc[year, "deals_won"].sum() / ks.loc[year, "deals_created"].sum()
        share_b = kb.loc[year, "deals_won"].sum() / kb.loc[year, "deals_created"].sum()
        gains[response] = share - share_b
        c = ms.competitor
        assert 0.0 <= c.extra_discount <= c.most + 1e-12
    assert gains[0.0] > 0
    assert gains[0.3] < gains[0.0]


# -- seasons ---------------------------------------------------------------------------------
PEAK_AND_TROUGH = [1.3, 1.25, 1.1, 0.9, 0.75, 0.7, 0.7, 0.75, 0.9, 1.1, 1.25, 1.3]


@pytest.mark.parametrize("week", [14, 27])      # the switch at the peak, then at the trough
def test_a_no_op_switch_at_peak_or_trough_has_no_season_adjusted_diet(tmp_path, week):
    from analysis import compare
    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import SerialEngine

    seasonal = Scenario.model_validate(deep_merge(scenario("small").model_dump(),
                                                  {"market": {"seasonality": PEAK_AND_TROUGH}}))
    f = seasonal_factors(PEAK_AND_TROUGH, np.arange(1, 53))
    assert max(f) / min(f) > 1.6                      # +-30% around the mean
    noop = _strategy(seasonal, {}, {"full_week": week})
    run_comparison({"base": seasonal, "noop": noop}, "base", 12, 5, 60, tmp_path / "c",
                   SerialEngine())
    d = compare(tmp_path / "c").strategies["noop"].diet
    assert d.low <= 0.0 <= d.high
    assert not math.isnan(d.estimate)
