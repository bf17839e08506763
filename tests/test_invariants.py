"""Invariants on every shipped scenario: money conserved, deals resolved once, stock >= 0."""

import numpy as np
import pytest
from conftest import SHIPPED, scenario

from sim import ChannelModel
from sim.vocab import TURNOVER_CHANNELS as CHANNELS
from sim.vocab import DealStatus

OPEN, WON, LOST = DealStatus.OPEN, DealStatus.WON, DealStatus.LOST


@pytest.fixture(scope="module", params=SHIPPED + ["small"])
def checked_run(request):
    """Run week by week, checking stock and commitment every week."""
    sc = scenario(request.param)
    m = ChannelModel(sc, rng=11)
    for _ in range(sc.weeks):
        m.step()
        assert (m.distributors.on_hand >= -1e-9).all(), f"negative stock in week {m.week}"
        assert (m.distributors.backlog >= -1e-9).all()
        assert (m.distributors.pipeline >= -1e-9).all()
        assert ((m.channel.commitment >= 0) & (m.channel.commitment <= 1)).all()
    return m


def test_turnover_is_the_sum_of_the_channel_columns(checked_run):
    k = checked_run.kpis()
    np.testing.assert_allclose(k["turnover"], sum(k[f"turnover_{c}"] for c in CHANNELS))


def test_regional_table_conserves_turnover_and_sales(checked_run):
    t = checked_run.tables()
    k, reg = t["kpis"], t["by_region"].groupby("week").sum(numeric_only=True)
    np.testing.assert_allclose(reg["turnover"].to_numpy(), k["turnover"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(reg["sell_through"].to_numpy(), k["sell_through"], atol=1e-6)
    np.testing.assert_array_equal(reg["deals_won"].to_numpy(), k["deals_won"])
    np.testing.assert_array_equal(reg["conflicts"].to_numpy(), k["conflicts"])


def test_agent_table_adds_up_to_channel_sales(checked_run):
    t = checked_run.tables()
    per_week = t["agents"].groupby("week")["sell_through"].sum().to_numpy()
    np.testing.assert_allclose(per_week, t["kpis"]["sell_through"], rtol=1e-9, atol=1e-6)
    conflicts = t["conflicts"].groupby("week")["count"].sum().to_numpy()
    np.testing.assert_array_equal(conflicts, t["kpis"]["conflicts"])


def test_every_deal_is_won_lost_or_still_open(checked_run):
    m = checked_run
    d = m.deals
    k = m.kpis()
    assert np.isin(d.status, [OPEN, WON, LOST]).all()
    won = d.status == WON
    assert ((d.winner >= 0) & (d.winner < m.channel.n))[won].all()
    assert (d.winner[d.status == LOST] == m.channel.n).all()
    still_open = d.status == OPEN
    assert (d.decide[still_open] > m.week).all()
    assert (d.decide[~still_open] <= m.week).all()
    # recorded weeks: every deal decided in them counted exactly once
    decided = ~still_open & (d.decide >= 1)
    assert k["deals_won"].sum() + k["deals_lost"].sum() == decided.sum()
    assert k["deals_created"].sum() == (d.created >= 1).sum()


def test_kpis_are_finite_and_in_range(checked_run):
    k = checked_run.kpis()
    assert np.isfinite(k.to_numpy(dtype=float)).all()
    assert ((k["fill_rate"] >= 0) & (k["fill_rate"] <= 1)).all()
    assert ((k["top20_share"] >= 0) & (k["top20_share"] <= 1)).all()
    assert (k["agents_active"] <= k["agents_contracted"]).all()
    assert (k["channel_inventory_value"] >= 0).all()
