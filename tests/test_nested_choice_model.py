"""The nested choice through the model's own choice step: frequencies against the formula.

Two identical distributors bid on each of many deals of one type; the customers' choice
(``Customers.choose``, with its hashed draws) picks an offer or the competitor. The
frequencies must follow the nested logit: ``P(brand) = 1 / (1 + exp((U_c - I) / sigma))``
with ``I = U + lambda sigma ln 2`` for two offers of utility ``U``, each offer taking half.
"""

import math

import numpy as np
import pytest
from conftest import one_kind_deals, scenario
from scipy.stats import chisquare

from sim import ChannelModel
from sim.market.deals import Offers
from sim.rules.choice import utility
from sim.scenario import with_values
from sim.vocab import Role, Segment

DEALS = 20_000


def _market(nest: float):
    sc = with_values(scenario("small"), {"choice.brand_nest": nest})
    m = ChannelModel(sc, rng=5, weeks=1)
    dists = np.flatnonzero(m.channel.role == Role.DISTRIBUTOR)[:2]
    m.customers.incumbent[:] = -1            # nobody's incumbent: no relationship term
    book, rows = one_kind_deals(DEALS, Segment.MID, 7919)
    return m, book, rows, dists


def _offers(rows, agents, price=340.0, delivery=1.0, expertise=0.5) -> Offers:
    """The same offer from each of ``agents`` on every deal."""
    d = np.repeat(np.arange(len(rows)), len(agents))
    a = np.tile(agents, len(rows))
    n = len(d)
    return Offers(rows, d, a, np.full(n, price), np.full(n, 300.0), np.zeros(n, bool),
                  np.full(n, delivery), np.full(n, expertise))


def _expected(m, book, rows, nest, offers):
    """P(offer 1), P(offer 2), P(competitor) from the closed form, on the model's weights."""
    c = m.customers
    lst = m.catalogue.list_price[0]
    u = float(utility(c.weights, 340.0 / lst, 1.0, m.catalogue.complexity[0], 0.5, 0.0, 0.0,
                      1.0))
    price_rel, delivery, expertise = m.competitor.offer(np.array([Segment.MID]), np.array([0]))
    u_c = float(utility(c.weights, price_rel, delivery, m.catalogue.complexity[0], expertise,
                        0.0, -0.0, 0.0)[0])
    sigma = c.noise_scale
    inc = u + nest * sigma * math.log(offers)
    p_brand = 1.0 / (1.0 + math.exp((u_c - inc) / sigma))
    return p_brand, u, u_c


@pytest.mark.parametrize("nest", [0.3, 0.6, 1.0])
def test_model_choice_frequencies_follow_the_nested_logit(nest):
    m, book, rows, dists = _market(nest)
    o = m.customers.choose(_offers(rows, dists), book, m.competitor, m.catalogue,
                           m.channel.n)
    counts = [int((o.winner == dists[0]).sum()), int((o.winner == dists[1]).sum()),
              int((o.winner == m.channel.n).sum())]
    assert sum(counts) == DEALS
    p_brand, _, _ = _expected(m, book, rows, nest, 2)
    expected = np.array([p_brand / 2, p_brand / 2, 1 - p_brand]) * DEALS
    assert 0.05 < p_brand < 0.95          # both outcomes are common: the test has power
    assert chisquare(counts, expected).pvalue > 0.001, (counts, expected)


def test_with_a_small_nest_two_identical_offers_count_as_one():
    m, book, rows, dists = _market(0.01)
    two = m.customers.choose(_offers(rows, dists), book, m.competitor, m.catalogue,
                             m.channel.n)
    one = m.customers.choose(_offers(rows, dists[:1]), book, m.competitor, m.catalogue,
                             m.channel.n)
    brand_two = (two.winner < m.channel.n).mean()
    brand_one = (one.winner < m.channel.n).mean()
    p_one, _, _ = _expected(m, book, rows, 0.01, 1)
    assert abs(brand_two - brand_one) < 0.005
    assert abs(brand_one - p_one) < 3 * math.sqrt(p_one * (1 - p_one) / DEALS)


def test_at_one_the_nest_is_the_plain_logit_over_all_offers():
    m, book, rows, dists = _market(1.0)
    o = m.customers.choose(_offers(rows, dists), book, m.competitor, m.catalogue,
                           m.channel.n)
    _, u, u_c = _expected(m, book, rows, 1.0, 2)
    plain = 2 * math.exp(u) / (2 * math.exp(u) + math.exp(u_c))
    brand = (o.winner < m.channel.n).mean()
    assert abs(brand - plain) < 3 * math.sqrt(plain * (1 - plain) / DEALS)


def test_a_second_offer_never_loses_the_brand_a_deal_it_won():
    """Pairing: the nest and competitor draws are shared, so adding an offer can only win."""
    m, book, rows, dists = _market(0.5)
    one = m.customers.choose(_offers(rows, dists[:1]), book, m.competitor, m.catalogue,
                             m.channel.n)
    two = m.customers.choose(_offers(rows, dists), book, m.competitor, m.catalogue,
                             m.channel.n)
    won_one = one.winner < m.channel.n
    won_two = two.winner < m.channel.n
    assert (won_two[won_one]).all()
    assert won_two.sum() > won_one.sum()
