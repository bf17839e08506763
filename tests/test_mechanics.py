"""Each mechanic does what the scenario file says, switched on and off."""

import numpy as np
import pytest
import yaml
from conftest import FIXTURES, model, scenario

from sim import ChannelModel, run_model
from sim.market.rollout import Schedule
from sim.scenario import Scenario, deep_merge, with_values
from sim.vocab import SEGMENTS, Role, Segment

DIST, PART, DIRECT, MARKET = Role.DISTRIBUTOR, Role.PARTNER, Role.DIRECT, Role.MARKETPLACE
PROJECT = Segment.PROJECT

SMALL = yaml.safe_load((FIXTURES / "small.yaml").read_text())


def build(**override) -> Scenario:
    return Scenario.model_validate(deep_merge(SMALL, override))


def _bids(m: ChannelModel, rows, version=1):
    incumbent = m.customers.incumbent[m.deals.customer[rows]]
    m.channel.plan.plan(m.week, m.policies)
    return m.channel.reach(rows, version, m.policies[version], m.deals, incumbent)


def test_territory_rules_limit_who_bids():
    sc = build(policy={"territory": ["segment_split", "exclusive_regions"],
                       "segment_roles": {"small": ["distributor"], "mid": ["distributor"],
                                         "key": ["direct"], "project": ["integrator"]}})
    m = ChannelModel(sc, rng=1)
    m.run_for(20)
    rows = np.arange(m.deals.n)
    bid = _bids(m, rows, 0)
    book, seg, reg = m.channel, m.deals.segment[rows], m.deals.region[rows]
    d, a = np.nonzero(bid)
    assert len(d) > 0
    role = book.role[a]
    assert (role[seg[d] == SEGMENTS.index("key")] == DIRECT).all()
    dist = role == DIST
    assert (book.region[a[dist]] == reg[d[dist]]).all()
    assert set(seg[d[dist]]) <= {0, 1}
    assert (book.kind[a[seg[d] == PROJECT]] == 0).all()
    assert not (role == MARKET).any()  # the marketplace is not enabled


def test_registered_projects_are_protected():
    sc = build(policy={"deal_registration": True})
    m = ChannelModel(sc, rng=2)
    m.run_for(52)
    rows = np.flatnonzero(m.deals.segment == PROJECT)
    reg = m.deals.registered[rows]
    assert (reg >= 0).sum() > 3
    bid = _bids(m, rows[reg >= 0], 0)
    partners = m.channel.role == PART
    for i, r in enumerate(reg[reg >= 0]):
        assert set(np.flatnonzero(bid[i] & partners)) <= {r}


def test_marketplace_sells_only_when_enabled():
    off = model("case_baseline", 1).kpis()
    on = model("add_marketplace", 1).kpis()
    assert off["turnover_marketplace"].sum() == 0
    assert on.loc[on["week"] < 26, "turnover_marketplace"].sum() == 0
    assert on.loc[on["week"] >= 26, "turnover_marketplace"].sum() > 0


def test_rollout_schedule_pilot_then_full_with_tender_and_grandfathering():
    sc = scenario("case_reform")
    s = Schedule(sc)
    pilot = [sc.market.regions.index(r) for r in ("volga", "urals")]
    assert s.phase(25).sum() == 0
    assert s.phase(26)[pilot].tolist() == [1, 1] and s.phase(26).sum() == 2
    assert s.phase(52).sum() == len(sc.market.regions)
    # a project that entered its tender under the old rules is decided under them
    v = s.deal_versions(60, np.array([0, 0]), np.array([PROJECT, PROJECT]),
                        np.array([0, 1]), np.array([False, False]))
    assert v.tolist() == [0, 1]
    gf = Schedule(with_values(sc, {}).model_copy(
        update={"rollout": sc.rollout.model_copy(update={"grandfather_weeks": 8})}))
    v = gf.deal_versions(55, np.array([0, 0]), np.array([0, 0]), np.array([1, 1]),
                         np.array([True, False]))
    assert v.tolist() == [0, 1]
    assert gf.deal_versions(60, np.array([0]), np.array([0]), np.array([1]),
                            np.array([True])).tolist() == [1]


def _sell_in_ratio(sc_cut: Scenario, sc_base: Scenario, weeks, seed=1):
    k = run_model(sc_cut, seed).kpis()
    kb = run_model(sc_base, seed).kpis()
    w = k["week"].between(*weeks)
    return k.loc[w, "turnover_distributor"].sum() / kb.loc[w, "turnover_distributor"].sum()


def test_destocking_switch_drives_the_sell_in_dip():
    cut, base = scenario("cut_distributor_discount"), scenario("case_baseline")

    def without(sc):
        return sc.model_copy(update={"behaviour": sc.behaviour.model_copy(update={
            "inventory": sc.behaviour.inventory.model_copy(update={"destocking": False})})})

    on = _sell_in_ratio(cut, base, (52, 59))
    off = _sell_in_ratio(without(cut).with_policy_before(cut.policy_before), without(base),
                         (52, 59))
    assert on < off


def test_announced_cut_triggers_forward_buying():
    cut = scenario("cut_distributor_discount")
    announced = cut.model_copy(update={"rollout": cut.rollout.model_copy(
        update={"announce_weeks": 6})}).with_policy_before(cut.policy_before)
    base = scenario("case_baseline")
    assert _sell_in_ratio(announced, base, (46, 51)) > 1.05
    assert _sell_in_ratio(cut, base, (46, 51)) == pytest.approx(1.0)


def test_network_changes_prune_upgrade_and_retype():
    m = model("case_reform", 1)
    t = m.tables()["agents"]
    before = t[t["week"] == 25]
    after = t[t["week"] == 60]
    assert (after["state"] == "removed").sum() > 0
    assert (before["state"] == "removed").sum() == 0
    assert (after["kind"] == "service").sum() > (before["kind"] == "service").sum()
    assert (m.channel.tier == 2).any()


def test_uncertain_values_change_the_run_and_are_validated():
    sc = scenario("small")
    a = run_model(sc, 1).kpis()
    b = run_model(sc, 1, uncertain={"competitor.aggressiveness": 1.0}).kpis()
    assert b["deals_won"].sum() < a["deals_won"].sum()
    from sim.scenario import ScenarioError
    with pytest.raises(ScenarioError, match="no such parameter"):
        with_values(sc, {"competitor.nothing": 1.0})
    with pytest.raises(ScenarioError, match="levers"):
        with_values(sc, {"policy.sales_bonus": 0.1})


def test_adding_agents_at_rollout_keeps_the_pairing():
    base = scenario("small")
    grow = build(rollout={"full_week": 20, "network_changes": [
        {"action": "add", "roles": ["distributor"], "count": 1},
        {"action": "add", "roles": ["partner"], "kinds": ["integrator"], "count": 1}]})
    grow.with_policy_before(base.policy)
    a, b = run_model(base, 8), run_model(grow, 8)
    ka, kb = a.kpis(), b.kpis()
    n_regions = len(base.market.regions)
    assert b.channel.n == a.channel.n + 2 * n_regions
    # identical until the new agents sign, and the same deals throughout
    np.testing.assert_array_equal(ka["deals_created"], kb["deals_created"])
    before = ka["week"] < 20
    assert ka[before].equals(kb[before])
    assert (kb.loc[~before, "agents_contracted"] > ka.loc[~before, "agents_contracted"]).all()
    agents = b.tables()["agents"]
    new = agents[agents["agent_id"].str.startswith("NEW-")]
    assert (new.loc[new["week"] < 20, "state"] == "not_contracted").all()
    assert (new.loc[new["week"] >= 20, "state"] != "not_contracted").all()
    assert new.loc[new["week"] >= 20, "sell_through"].sum() > 0


def test_add_needs_a_role_kind_and_count():
    from sim.scenario import ScenarioError
    from sim.scenario.loader import _validate

    with pytest.raises(ScenarioError, match="add needs"):
        _validate("x", deep_merge(SMALL, {"rollout": {"full_week": 5, "network_changes": [
            {"action": "add", "roles": ["partner"], "count": 2}]}}))
