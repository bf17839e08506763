"""The source's remaining levers: assortment, product roles, co-selling, relationships, map."""

import math
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, cli, one_kind_deals, scenario

import sim.market.settle as settle_module
from analysis.comparison.paired import compare
from analysis.comparison.results import Results
from analysis.report.charts.channel_map import X, channel_map, flow_widths
from analysis.report.charts.style import money
from sim import ChannelModel, load_scenario
from sim.experiments.compare import run_comparison
from sim.market.deals import Offers
from sim.market.ledger import Ledger
from sim.rules.choice import utility
from sim.rules.inventory import holding_cost, required_extra
from sim.scenario import Scenario, deep_merge
from sim.vocab import KINDS, ROLES, TURNOVER_CHANNELS, Kind, Role, Segment


def _with(base: Scenario, override: dict, strategy: dict | None = None) -> Scenario:
    """``base`` changed by ``override``; with ``strategy``, a strategy switching to it."""
    data = deep_merge(base.model_dump(), override)
    if strategy is None:
        return Scenario.model_validate(data)
    data = deep_merge(data, strategy)
    return Scenario.model_validate(data).with_policy_before(
        Scenario.model_validate(deep_merge(base.model_dump(), override)).policy)


# -- assortment and minimum stock -----------------------------------------------------------
def test_holding_the_required_extra_on_worked_numbers():
    # own level 6 weeks of f = 10 units (60), the requirement 12 weeks (120): 60 units extra
    extra = required_extra(np.array([60.0, 150.0]), np.array([120.0, 120.0]))
    assert extra.tolist() == [60.0, 0.0]
    # 60 units bought at 300 with a 25% annual holding rate: 60 x 300 x 0.25 / 52 a week
    assert holding_cost(extra, np.array([300.0, 300.0]), 0.25).tolist() == pytest.approx(
        [60 * 300 * 0.25 / 52, 0.0], abs=1e-12)


def _assorted(weeks: float, lines=("standard", "engineered")) -> Scenario:
    return _with(scenario("small"), {"behaviour": {"warmup_weeks": 0}, "policy": {
        "assortment": {"tiers": {"base": {"lines": list(lines), "min_cover_weeks": weeks}}}}})


def test_a_required_line_is_never_below_its_minimum_cover_at_order_time():
    m = ChannelModel(_assorted(10.0), rng=3, weeks=40)
    ds, checked = m.distributors, 0
    for _ in range(40):
        m.step()
        position = ds.on_hand + ds.pipeline.sum(axis=0) - ds.backlog
        ordering = m.channel.contracted()[ds.agents]
        need = ds.min_weeks[:, None] * ds.forecast
        bound = np.where(ds.required & ordering[:, None], need, -np.inf)
        assert (position >= bound - 1e-9).all()
        checked += int((ds.required & ordering[:, None] & (need > 0)).sum())
    assert checked > 0
    # the made-to-order line the assortment requires is stocked and sold from stock
    engineered = 2
    assert ds.stocks[:, engineered].all() and ds.on_hand[:, engineered].sum() > 0


def test_a_higher_required_cover_costs_more_holding_on_worked_numbers():
    """In week 1 both runs are the same until the order: the holding cost is the formula's."""
    costs = {}
    for weeks in (4.0, 12.0):
        m = ChannelModel(_assorted(weeks, lines=("standard",)), rng=2, weeks=1)
        m.step()
        ds, inv = m.distributors, m.spec.behaviour.inventory
        own = ds.cover[:, None] * (inv.lead_time + 1 + inv.safety_weeks) * ds.forecast
        extra = np.maximum(0.0, weeks * ds.forecast - own)[:, 0]
        price = m.distributors.unit_prices(m.channel, m.policies,
                                           np.zeros(m.channel.n, dtype=int))[:, 0]
        assert ds.holding == pytest.approx(extra * price * inv.holding_rate / 52, rel=1e-12)
        costs[weeks] = ds.holding
    assert (costs[12.0] >= costs[4.0]).all() and costs[12.0].sum() > costs[4.0].sum()
    # at 4 weeks the requirement is below the distributors' own level: it costs nothing
    assert costs[4.0].sum() == 0.0


# -- which channels sell which product lines --------------------------------------------------
def test_a_line_allowed_only_to_integrators_and_direct_is_sold_by_nobody_else():
    sc = _with(scenario("small"), {"weeks": 52, "policy": {
        "product_roles": {"engineered": ["integrator", "direct"]}}})
    m = ChannelModel(sc, rng=4, weeks=52)
    for _ in range(52):
        m.step()
    book, ch = m.deals, m.channel
    won = (book.product == 2) & (book.winner >= 0) & (book.winner < ch.n)
    assert won.sum() > 0
    w = book.winner[won]
    ok = (ch.role[w] == Role.DIRECT) | ((ch.role[w] == Role.PARTNER)
                                        & (ch.kind[w] == Kind.INTEGRATOR))
    assert ok.all()
    # and the other lines are still sold by distributors and dealers
    others = (book.product != 2) & (book.winner >= 0) & (book.winner < ch.n)
    assert (ch.role[book.winner[others]] == Role.DISTRIBUTOR).any()


def test_a_line_and_segment_with_no_allowed_channel_is_refused(tmp_path):
    f = tmp_path / "no_channel.yaml"
    f.write_text(f"extends: {FIXTURES / 'small.yaml'}\npolicy:\n  territory: segment_split\n"
                 "  segment_roles: {small: [distributor], mid: [distributor], key: [direct], "
                 "project: [integrator]}\n  product_roles: {engineered: [direct]}\n")
    r = cli("validate", f)
    assert r.returncode == 2
    line = r.stderr.strip()
    assert "\n" not in line and "product_roles.engineered" in line and "'mid'" in line


# -- co-selling --------------------------------------------------------------------------------
def _co_selling_market() -> ChannelModel:
    sc = _with(scenario("small"), {"behaviour": {"warmup_weeks": 0}, "policy": {
        "deal_registration": True,
        "co_selling": {"enabled": True, "segments": ["project", "key"], "utility": 0.4}}})
    return ChannelModel(sc, rng=7, weeks=60)


def test_co_selling_reps_support_instead_of_bidding_and_book_nothing(monkeypatch):
    m = _co_selling_market()
    seen, counted, conflicted = [], [], []
    bid, capacity = m.channel.bid, m.channel.team.within_capacity
    count_conflicts = settle_module._conflicts

    def record_capacity(d, a, rows, deals):
        keep = capacity(d, a, rows, deals)
        counted.append(set(zip(rows[d[keep]].tolist(), a[keep].tolist(), strict=True)))
        return keep

    def record(*args, **kw):
        o = bid(*args, **kw)
        seen.append(o)
        return o

    def record_conflicts(o, *args):
        # the deals the ledger counts as conflicts: two or more brand bids left on them
        conflicted.extend(o.rows[o.bids_per_deal() >= 2].tolist())
        return count_conflicts(o, *args)

    monkeypatch.setattr(m.channel.team, "within_capacity", record_capacity)
    monkeypatch.setattr(m.channel, "bid", record)
    monkeypatch.setattr(settle_module, "_conflicts", record_conflicts)
    for _ in range(60):
        m.step()
    reps = m.channel.role == Role.DIRECT
    supported_rows, would_conflict, alone, rivals = [], 0, [], []
    for o, kept in zip(seen, counted, strict=True):
        if o.support is None:
            continue
        sup = np.flatnonzero(o.support > 0)
        assert (o.support[sup] == 0.4).all()               # the declared utility, once a deal
        rows = o.rows[o.d[sup]]
        assert len(np.unique(rows)) == len(rows)
        supported_rows.extend(rows.tolist())
        on_supported = np.isin(o.d, o.d[sup])
        assert not reps[o.a[on_supported]].any()          # no rep bids on a supported deal
        assert (m.channel.role[o.a[sup]] == Role.PARTNER).all()
        # each supported deal used a rep's capacity in the check (it was a kept rep bid)
        kept_rows = {r for r, a in kept if reps[a]}
        assert set(rows.tolist()) <= kept_rows
        # before the reps stood back, the rep and the partner both bid: a conflict if they
        # had competed; the deal is now left with the partner's bid alone
        before = {r: sum(1 for rr, _ in kept if rr == r) for r in rows.tolist()}
        would_conflict += sum(n >= 2 for n in before.values())
        left = o.bids_per_deal()[o.d[sup]]
        alone.extend(rows[left == 1].tolist())
        rivals.extend(rows[left >= 2].tolist())
    assert len(supported_rows) > 0 and would_conflict == len(supported_rows)
    assert int(m.kpis()["deals_co_sold"].sum()) == len(supported_rows)
    # the rep's support is no conflict: a supported deal counts as one only where another
    # partner bids against the holder (a partners' conflict, no rep in it)
    assert not set(alone) & set(conflicted) and set(rivals) <= set(conflicted)
    assert len(alone) > 0
    # the ledger counted as conflicts exactly the deals recorded
    assert int(m.kpis()["conflicts"].sum()) == len(conflicted) > 0
    winners = m.deals.winner[np.array(supported_rows)]
    assert not reps[winners[winners < m.channel.n]].any()   # the rep books no sale of its own
    booked = m.deals.channel[np.array(supported_rows)]
    assert (booked != TURNOVER_CHANNELS.index("direct")).all()
    assert (m.deals.winner[np.array(supported_rows)] < m.channel.n).any()   # partners won some


DEALS = 20_000


def test_support_raises_the_partners_win_probability_by_the_declared_utility():
    """One partner offer per deal, with and without the rep's support: logit frequencies."""
    m = _co_selling_market()
    partner = int(np.flatnonzero(m.channel.role == Role.PARTNER)[0])
    m.customers.incumbent[:] = -1
    book, rows = one_kind_deals(DEALS, Segment.KEY, 104729)
    c = m.customers
    lst = m.catalogue.list_price[0]
    u = float(utility(c.weights, 360.0 / lst, 1.0, m.catalogue.complexity[0], 0.5, 0.0, 0.0,
                      1.0))
    pr, dl, ex = m.competitor.offer(np.array([Segment.KEY]), np.array([0]))
    u_c = float(utility(c.weights, pr, dl, m.catalogue.complexity[0], ex, 0.0, 0.0, 0.0)[0])
    for delta in (0.0, 0.4):
        n = DEALS
        o = Offers(rows, np.arange(n), np.full(n, partner), np.full(n, 360.0),
                   np.full(n, 300.0), np.zeros(n, bool), np.ones(n), np.full(n, 0.5),
                   support=np.full(n, delta))
        o = c.choose(o, book, m.competitor, m.catalogue, m.channel.n)
        won = float(np.mean(o.winner == partner))
        expected = 1.0 / (1.0 + math.exp((u_c - (u + delta)) / c.noise_scale))
        se = math.sqrt(expected * (1 - expected) / n)
        assert abs(won - expected) < 4 * se, (delta, won, expected)


# -- relationships kept -----------------------------------------------------------------------
def test_a_strategy_that_changes_nothing_breaks_no_relationship(tmp_path):
    base = scenario("small")
    noop = _with(base, {}, {"name": "noop", "rollout": {"full_week": 10}})
    store = run_comparison({"small": base, "noop": noop}, "small", 3, 1, 30, tmp_path,
                           "serial", uncertainty=False)
    r = compare(store.root).strategies["noop"]
    iv = r.kpi_changes["relationships_broken"]
    assert (iv.estimate, iv.low, iv.high) == (0.0, 0.0, 0.0)


def test_exclusive_territories_break_exactly_the_out_of_region_relationships():
    """At the switch, every customer of an out-of-region distributor or partner loses it."""
    sc = _with(scenario("small"), {"behaviour": {"commitment": {"defect_threshold": 0.0}}},
               {"policy": {"territory": ["exclusive_regions"]},
                "rollout": {"full_week": 12, "grandfather_weeks": 0}})
    m = ChannelModel(sc, rng=9, weeks=20)
    for _ in range(11):
        m.step()
    ch, cust = m.channel, m.customers
    inc = cust.incumbent.copy()
    brand = (inc >= 0) & (inc < ch.n)
    j = np.where(brand, inc, 0)
    held = np.isin(ch.role[j], [Role.DISTRIBUTOR, Role.PARTNER])
    away = brand & held & (ch.region[j] != cust.region)
    expected = int(away.sum())
    roles = np.bincount(ch.role[j[away]], minlength=len(ROLES))
    assert expected > 0
    m.step()                                                 # week 12: the switch
    k = m.kpis().iloc[-1]
    assert int(k["relationships_broken"]) == expected
    assert int(k["relationships_broken_distributor"]) == roles[Role.DISTRIBUTOR]
    assert int(k["relationships_broken_partner"]) == roles[Role.PARTNER]
    # none of them went back to the supplier the rule took away (it may not sell there)
    assert (cust.incumbent[away] != j[away]).all()


def test_a_retyped_partner_gets_its_new_kinds_rights():
    sc = _with(scenario("small"), {}, {
        "policy": {"territory": ["segment_split"],
                   "segment_roles": {"small": ["dealer"], "mid": ["distributor", "dealer"],
                                     "key": ["direct"], "project": ["service", "integrator"]}},
        "rollout": {"full_week": 3, "network_changes": [
            {"action": "retype", "roles": ["partner"], "kinds": ["dealer"], "share": 1.0,
             "to_kind": "service"}]}})
    m = ChannelModel(sc, rng=1, weeks=5)
    dealers = np.flatnonzero(m.channel.kind == Kind.DEALER)
    for _ in range(4):
        m.step()
    assert (m.channel.kind[dealers] == KINDS.index("service")).all()
    allowed = m.policies[1].allowed[dealers]
    assert not allowed[:, :, Segment.SMALL].any() and allowed[:, :, Segment.PROJECT].all()


# -- the channel map -----------------------------------------------------------------------
def test_the_flows_add_up_to_turnover_by_channel_and_segment(tmp_path):
    base = load_scenario(FIXTURES / "small.yaml")
    store = run_comparison({"small": base}, "small", 2, 1, 70, tmp_path, "serial",
                           uncertainty=False)
    res = Results(store.root)
    flows, k, by_region = res.table("flows"), res.kpis, res.table("by_region")
    last = k[k["week"] > 70 - 52]
    for ch in ("direct", "distributor", "partner", "marketplace"):
        booked = last.groupby("rep")[f"turnover_{ch}"].sum().mean()
        drawn = flow_widths(flows, "small")
        assert drawn[drawn["channel"] == ch]["turnover"].sum() == pytest.approx(booked,
                                                                                rel=1e-9)
    # direct and partner turnover by segment is what the ledger booked by segment
    w = flow_widths(flows, "small")
    assert set(w["segment"]) <= {"small", "mid", "key", "project", "unassigned"}
    total_by_segment = w.groupby("segment")["turnover"].sum()
    assert total_by_segment.sum() == pytest.approx(last.groupby("rep")["turnover"].sum().mean(),
                                                   rel=1e-9)
    assert len(by_region) > 0


def test_the_distributors_sell_in_is_spread_over_segments_by_their_sales_on_worked_numbers():
    """The rule of ``docs/model.md`` (the channel map), on a hand-made ledger of one week."""
    led = Ledger(1, 2, SimpleNamespace(n=1), ["north", "south"])
    # distributors' sell-in 1000 has no segment; they sold 300 (small, north) and
    # 100 (mid, south) at their purchase prices: 750 and 250 of the sell-in
    led.turnover("distributor", np.array([1000.0]), np.array([0]))
    led.served_by_distributors(np.array([300.0, 100.0]), np.array([0, 1]), np.array([0, 1]))
    # partners booked 200 (key, south) and 600 (project, north); a rebate of -80 has no
    # segment: it is spread 1 : 3 over their cells, -20 and -60
    led.turnover("partner", np.array([200.0, 600.0]), np.array([1, 0]), np.array([2, 3]))
    led.turnover("partner", np.array([-80.0]), np.array([0]))
    # the direct team's 50 with no segment and no other sale keeps segment unassigned
    led.turnover("direct", np.array([50.0]), np.array([1]))
    led.flows[0], led.served[0], led.recorded = led.flow_now, led.served_now, 1
    t = led.flow_table().assign(scenario="s", rep=0)
    got = {(r.channel, r.segment, r.region): r.turnover for r in flow_widths(t, "s").itertuples()}
    assert got == pytest.approx({
        ("distributor", "small", "north"): 750.0, ("distributor", "mid", "south"): 250.0,
        ("partner", "key", "south"): 180.0, ("partner", "project", "north"): 540.0,
        ("direct", "unassigned", "south"): 50.0}, rel=1e-12)


def test_each_segments_width_is_what_the_deals_booked_there(tmp_path):
    """Per replication, per segment and region, the widths against the deals table.

    Direct and partner bands are the value booked on their deals decided in the window;
    the distributors' band is their turnover spread in proportion to the value booked on
    their deals (their sales at purchase prices, two-tier dealers' included).
    """
    base = load_scenario(FIXTURES / "small.yaml")
    store = run_comparison({"small": base}, "small", 2, 1, 70, tmp_path, "serial",
                           uncertainty=False)
    res = Results(store.root)
    flows, k, deals = res.table("flows"), res.kpis, res.table("deals")
    cells = ["segment", "region"]
    for rep in (0, 1):
        drawn = flow_widths(flows[flows["rep"] == rep], "small")
        window = deals[(deals["rep"] == rep) & (deals["week"] > 70 - 52)]
        for ch in ("direct", "distributor", "partner"):
            booked = window[window["channel"] == ch].groupby(cells)["value"].sum()
            turnover = k[(k["rep"] == rep) & (k["week"] > 70 - 52)][f"turnover_{ch}"].sum()
            expected = booked * (turnover / booked.sum()) if ch == "distributor" else booked
            got = drawn[drawn["channel"] == ch].set_index(cells)["turnover"]
            assert len(expected) >= 4 and set(got.index) == set(expected.index), ch
            assert got.sort_index().to_numpy() == pytest.approx(
                expected.sort_index().to_numpy(), rel=1e-9), ch
        # by segment, all channels together: the distributors' share moves nothing across
        by_seg = drawn.groupby("segment")["turnover"].sum()
        assert "unassigned" not in by_seg.index
        assert by_seg.sum() == pytest.approx(
            k[(k["rep"] == rep) & (k["week"] > 70 - 52)]["turnover"].sum(), rel=1e-9)


def _stub_results() -> SimpleNamespace:
    """Flows of a baseline and a strategy with long region names and tiny nodes (worst case)."""
    regions = {"capital_and_surroundings": 40.0, "north_caucasus_federal": 1.0,
               "kaliningrad": 0.6, "far_east": 0.5, "tiny_a": 0.3, "tiny_b": 0.2, "volga": 20.0}
    channels = {"direct": 5.0, "distributor": 30.0, "partner": 25.0, "marketplace": 0.4}
    segments = {"small": 0.5, "mid": 30.0, "key": 10.0, "project": 20.0}
    rows = [(c, s, r, a * b * g * 1e3) for c, a in channels.items()
            for s, b in segments.items() for r, g in regions.items()]
    w = pd.DataFrame(rows, columns=["channel", "segment", "region", "turnover"])
    cut = np.where(w["channel"] == "distributor", 0.5, 1.1)
    flows = pd.concat([w.assign(scenario="base", rep=0),
                       w.assign(scenario="strat", rep=0, turnover=w["turnover"] * cut)])
    return SimpleNamespace(table=lambda _name: flows, baseline="base",
                           manifest={"scenarios": {}})


def test_the_map_starts_at_the_manufacturer_and_no_label_is_cut_or_overlaps():
    res = _stub_results()
    fig = channel_map(res, "strat")
    fig.canvas.draw()
    width, height = fig.get_size_inches()
    assert width / height <= 2.05            # the deck's picture fits its slide
    whole = fig.bbox
    for ax, name in zip(fig.axes, ("base", "strat"), strict=True):
        total = flow_widths(res.table("flows"), name)["turnover"].sum()
        texts = [t for t in ax.texts if t.get_text()]
        assert f"manufacturer {money(total)}" in [t.get_text() for t in texts]
        boxes = [t.get_window_extent() for t in texts]
        for i, b in enumerate(boxes):
            assert whole.x0 <= b.x0 and b.x1 <= whole.x1, texts[i].get_text()
            for j in range(i):
                assert not b.overlaps(boxes[j]), (texts[i].get_text(), texts[j].get_text())
        # a channel's or segment's label ends before the next column's nodes begin
        for col, nxt in ((X[1], X[2]), (X[2], X[3])):
            edge = ax.transData.transform((nxt, 0.0))[0]
            labels = [b for t, b in zip(texts, boxes, strict=True) if col < t.get_position()[0]
                      < nxt]
            assert labels and max(b.x1 for b in labels) < edge
    # and no label of one panel runs into the next panel's labels
    left = max(t.get_window_extent().x1 for t in fig.axes[0].texts)
    assert left < min(t.get_window_extent().x0 for t in fig.axes[1].texts)
    plt.close(fig)


def test_without_the_levers_distributors_stock_the_catalogue_and_anyone_sells_any_line():
    m = ChannelModel(scenario("small"), rng=1, weeks=2)
    m.step()
    assert (m.distributors.stocks == m.catalogue.stocked[None, :]).all()
    assert m.policies[0].sells.all() and m.policies[1].sells.all()


@pytest.mark.parametrize(("policy", "words"), [
    ("  product_roles: {turbine: [direct]}\n", ["product_roles.turbine", "no such product"]),
    ("  assortment: {tiers: {gold: {lines: [turbine]}}}\n",
     ["assortment.tiers.gold.lines", "'turbine'"]),
    ("  assortment: {agents: {D99: {lines: [standard]}}}\n",
     ["assortment.agents.D99", "D01 to D03"]),
    ("  co_selling: {enabled: true, segments: [retail]}\n", ["co_selling.segments"]),
])
def test_bad_lever_settings_are_one_line_errors(tmp_path, policy, words):
    f = tmp_path / "bad.yaml"
    f.write_text(f"extends: {FIXTURES / 'small.yaml'}\npolicy:\n{policy}")
    r = cli("validate", f)
    line = r.stderr.strip()
    assert r.returncode == 2 and "\n" not in line
    assert all(w in line for w in words), line
