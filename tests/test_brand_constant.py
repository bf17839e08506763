"""The brand's constant by segment (#22): one number still means every segment, and the
model's choice step adds each deal's segment's constant (frequencies against the formula)."""

import math

import numpy as np
import pytest
from conftest import cli, one_kind_deals, scenario
from scipy.stats import chisquare

from sim import ChannelModel
from sim.market.deals import Offers
from sim.rules.choice import UtilityWeights, utility
from sim.scenario import Scenario, with_values
from sim.vocab import SEGMENTS, Role, Segment

DEALS = 20_000


def test_one_number_is_the_constant_of_every_segment():
    sc = Scenario.model_validate({"market": {"regions": ["a"]}, "choice": {"brand_constant": 0.3}})
    assert sc.choice.brand_constant == {s: 0.3 for s in SEGMENTS}


def test_a_mapping_must_name_every_segment(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("market: {regions: [a]}\nchoice: {brand_constant: {small: 0.2}}\n")
    r = cli("validate", f)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1
    assert "brand_constant: lacks segments ['mid', 'key', 'project']" in r.stderr


@pytest.mark.parametrize("constants", [{"small": 0.8, "mid": -0.6}, {"small": -1.0, "mid": 1.2}])
def test_the_model_adds_each_deals_segments_constant(constants):
    values = {f"choice.brand_constant.{s}": c for s, c in constants.items()}
    sc = with_values(scenario("small"), values)
    m = ChannelModel(sc, rng=5, weeks=1)
    m.customers.incumbent[:] = -1                 # no relationship term
    agent = np.flatnonzero(m.channel.role == Role.DISTRIBUTOR)[:1]
    book, rows = one_kind_deals(DEALS, Segment.MID, 7919)
    book.segment[rows[: DEALS // 2]] = Segment.SMALL
    n = len(rows)
    offers = Offers(rows, np.arange(n), np.repeat(agent, n), np.full(n, 340.0),
                    np.full(n, 300.0), np.zeros(n, bool), np.ones(n), np.full(n, 0.5))
    won = m.customers.choose(offers, book, m.competitor, m.catalogue, m.channel.n).winner
    c = sc.choice
    w = UtilityWeights(c.price, c.delivery, c.expertise, c.relationship, c.specification)
    lst, cx = m.catalogue.list_price[0], m.catalogue.complexity[0]
    observed, expected = [], []
    halves = (Segment.SMALL, slice(0, DEALS // 2)), (Segment.MID, slice(DEALS // 2, None))
    for seg, half in halves:
        u = float(utility(w, 340.0 / lst, 1.0, cx, 0.5, 0.0, 0.0, 0.0)) + constants[seg.label]
        p_rel, t_c, e_c = m.competitor.offer(np.array([seg]), np.array([0]))
        u_c = float(utility(w, p_rel, t_c, cx, e_c, 0.0, 0.0, 0.0)[0])
        p = 1.0 / (1.0 + math.exp(u_c - u))       # one offer: the nest is the offer itself
        wins = int((won[half] == agent[0]).sum())
        observed += [wins, DEALS // 2 - wins]
        expected += [p * DEALS / 2, (1 - p) * DEALS / 2]
    assert abs(expected[0] - expected[2]) > 0.1 * DEALS / 2   # the constants make a difference
    assert chisquare(observed, expected).pvalue > 0.001, (observed, expected)


def test_an_uncertainty_on_the_whole_constant_names_the_segments(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("market: {regions: [a]}\nuncertainties:\n"
                 "  choice.brand_constant: {low: -0.5, high: 0.5}\n")
    r = cli("validate", f)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert ("uncertainties.choice.brand_constant: a setting by key; name one: "
            "choice.brand_constant.small, choice.brand_constant.mid, "
            "choice.brand_constant.key, choice.brand_constant.project") in r.stderr, r.stderr
