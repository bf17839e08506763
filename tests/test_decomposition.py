"""Where the change comes from (#23, items 3-4): a decomposition that adds up exactly,
material losses named in the executive summary, the KPIs moved sorted by effect."""

import numpy as np
import pandas as pd
import pytest
from conftest import scenario

from analysis.comparison.breakdown import material_losses
from analysis.comparison.decomposition import PARTS, deal_parts, decompose
from analysis.comparison.moves import kpi_moves
from analysis.comparison.narrative import sentences
from analysis.comparison.paired import Comparison, attach_decomposition, compare_one
from analysis.comparison.stats import Interval
from analysis.report.files import strategy_json
from sim.experiments.compare import run_replications
from sim.run import run_model

REPS, WEEKS, FIRST = 3, 10, 5
# (deal, week, segment, baseline (channel, value, bids), strategy (channel, value, bids));
# values are scaled by 1 + rep so that futures differ
DEALS = [
    (1, 2, "mid", ("distributor", 100.0, 1), ("", 0.0, 1)),     # before the window
    (2, 6, "small", ("direct", 200.0, 1), ("", 0.0, 0)),        # no brand bidder: -200
    (3, 6, "small", ("partner", 150.0, 1), ("", 0.0, 2)),       # lost to competitor: -150
    (4, 7, "key", ("direct", 300.0, 2), ("distributor", 250.0, 1)),  # other price: -50
    (5, 8, "mid", ("", 0.0, 1), ("marketplace", 80.0, 1)),      # newly won: +80
    (6, 9, "key", ("", 0.0, 0), ("", 0.0, 1)),                  # lost in both: 0
]
STOCK = {"base": {}, "strat": {5: 10.0, 9: -30.0}}       # distributors' sell-in less sales
REBATES = {"base": 5.0, "strat": 7.0}                     # a week


def _kpi_row(name, rep, week, turnover, rebates):
    return {"scenario": name, "rep": rep, "week": week, "turnover": turnover,
            "rebates": rebates, "margin": 0.3 * turnover, "price_dumping": 0.0,
            "agents_active": 10.0, "top20_share": 0.5, "fill_rate": 1.0,
            "relationships_broken": 0, "conflicts": 0, "deals_created": 10}


def _synthetic():
    """Both arms' deals and KPIs; each week's turnover = deal values + stock - rebates."""
    deals, kpis = [], []
    for rep in range(REPS):
        f = 1.0 + rep
        for arm, side in (("base", 3), ("strat", 4)):
            for row in DEALS:
                channel, value, bids = row[side]
                deals.append({"scenario": arm, "rep": rep, "deal": row[0], "week": row[1],
                              "segment": row[2], "region": "north", "channel": channel,
                              "value": f * value, "bids": bids, "sell_through": 1.2 * f * value})
            for week in range(1, WEEKS + 1):
                value = sum(f * r[side][1] for r in DEALS if r[1] == week)
                rebates = REBATES[arm] if week >= FIRST else REBATES["base"]
                kpis.append(_kpi_row(arm, rep, week,
                                     value + STOCK[arm].get(week, 0.0) - rebates, rebates))
    return pd.DataFrame(kpis), pd.DataFrame(deals)


def test_the_parts_add_up_to_the_change_in_turnover_exactly():
    kpis, deals = _synthetic()
    d = decompose(kpis, deals, "base", "strat", FIRST)
    f = 1.0 + np.arange(REPS)
    per = d.per_rep.set_index("rep")
    np.testing.assert_allclose(per["no_brand_bidder"], -200 * f)
    np.testing.assert_allclose(per["lost_to_competitor"], -150 * f)
    np.testing.assert_allclose(per["different_price"], -50 * f)
    np.testing.assert_allclose(per["newly_won"], 80 * f)
    np.testing.assert_allclose(per["channel_stock"], -20.0)
    np.testing.assert_allclose(per["rebates"], -2.0 * (WEEKS - FIRST + 1))
    # Δ turnover over [FIRST, horizon] from the KPI tables, future by future
    k = kpis[kpis.week >= FIRST].groupby(["scenario", "rep"])["turnover"].sum()
    np.testing.assert_allclose(per["total"], (k["strat"] - k["base"]).to_numpy())
    assert d.gap() < 1e-9
    assert sum(d.parts[p].estimate for p in PARTS) == pytest.approx(d.total.estimate, abs=1e-9)
    # a window with an end (the quarter to the dip): weeks 5-6 hold deals 2 and 3 only
    part = decompose(kpis, deals, "base", "strat", FIRST, last=6).per_rep.set_index("rep")
    np.testing.assert_allclose(part["no_brand_bidder"] + part["lost_to_competitor"], -350 * f)
    np.testing.assert_allclose(part[["different_price", "newly_won"]], 0.0)
    np.testing.assert_allclose(part["channel_stock"], 10.0)
    k6 = kpis[kpis.week.between(FIRST, 6)].groupby(["scenario", "rep"])["turnover"].sum()
    np.testing.assert_allclose(part["total"], (k6["strat"] - k6["base"]).to_numpy())
    np.testing.assert_allclose(part[list(PARTS)].sum(axis=1), part["total"])
    # the window matters: from week 1 the distributor's deal 1 is lost as well
    whole = decompose(kpis, deals, "base", "strat", 1)
    assert whole.parts["lost_to_competitor"].estimate == pytest.approx(-250 * f.mean())


def test_a_deal_missing_from_one_arm_counts_there_as_unserved():
    b = pd.DataFrame({"rep": [0], "deal": [7], "bids": [1], "channel": ["direct"],
                      "value": [50.0]})
    s = b.iloc[:0]
    assert deal_parts(b, s).loc[0, "no_brand_bidder"] == -50.0


def _segment_collapse(loss: float):
    """Small customers lose ``loss`` of their sales from week 10; key accounts gain the same."""
    deals, kpis = [], []
    for rep in range(4):
        for arm in ("base", "strat"):
            for week in range(1, 21):
                after = arm == "strat" and week >= 10
                small = 10.0 * (1 - loss) if after else 10.0
                key = 100.0 + (10.0 - small) + 0.1 * rep
                for deal, seg, value in ((2 * week, "small", small), (2 * week + 1, "key", key)):
                    deals.append({"scenario": arm, "rep": rep, "deal": deal, "week": week,
                                  "segment": seg, "region": "north", "value": value,
                                  "channel": "direct" if value else "", "bids": int(value > 0),
                                  "sell_through": value})
                kpis.append(_kpi_row(arm, rep, week, small + key, 0.0))
    return pd.DataFrame(kpis), pd.DataFrame(deals)


def _summary_of(loss: float):
    kpis, deals = _segment_collapse(loss)
    r = compare_one(kpis, "base", "strat", 10, -0.01, first_effect=10, full=10)
    attach_decomposition(r, kpis, None, deals, "base")
    comp = Comparison("base", -0.01, 20, "EUR", {"strat": r})
    return r, sentences(comp)["strat"]


def test_a_destroyed_segment_is_named_in_the_executive_summary_though_the_total_holds():
    r, lines = _summary_of(0.9)
    assert r.windows.turnover_after.estimate == pytest.approx(0.0, abs=0.01)
    assert lines[1].startswith("Material losses (more than 20% of the baseline from week 10)")
    assert "segment small: sell through -90%" in lines[1]
    assert "key" not in lines[1]
    assert r.at_risk_to_turnover          # the report marks the finding red
    doc = strategy_json(r)
    assert "home region" in doc["decomposition"]["booked"]["region"]
    assert [(x["by"], x["name"], x["measure"]) for x in doc["material_losses"]] == [
        ("segment", "small", "sell_through")]
    # a loss under the materiality share is not named
    r, lines = _summary_of(0.1)
    assert r.losses.empty and not any(x.startswith("Material losses") for x in lines)
    assert not r.at_risk_to_turnover


def test_material_losses_are_the_falls_beyond_the_share_worst_first():
    t = pd.DataFrame({"by": ["channel", "region", "segment", "segment"],
                      "name": ["direct", "east", "small", "small"],
                      "measure": ["turnover", "turnover", "deals_won", "deals_unserved"],
                      "baseline": [10.0, 10.0, 5.0, 5.0], "pct": [-25.0, -19.0, -60.0, -80.0]})
    assert material_losses(t, 0.2)["name"].tolist() == ["small", "direct"]
    assert material_losses(t, 0.5)["name"].tolist() == ["small"]


def test_kpis_moved_materially_are_sorted_by_the_size_of_their_effect():
    changes = {"price_dumping": Interval(-27.0, -28.0, -26.0),     # -99%
               "fill_rate": Interval(-0.1, -0.15, -0.05),          # -11%
               "conflicts_per_100_deals": Interval(3.0, -1.0, 7.0),  # interval spans 0
               "agents_active": Interval(0.2, 0.1, 0.3),           # +1%: below 5%
               "relationships_broken": Interval(12.0, 8.0, 16.0)}  # from none
    base = {"price_dumping": 27.2, "fill_rate": 0.9, "conflicts_per_100_deals": 20.0,
            "agents_active": 20.0, "relationships_broken": 0.0}
    moves = kpi_moves(changes, base)
    assert [m.kpi for m in moves] == ["relationships_broken", "price_dumping", "fill_rate"]
    assert moves[1].words().startswith("price-dumping quotes a week 27.2 -> 0.2 (-99%")
    assert "(from none;" in moves[0].words()
    big = kpi_moves({"relationships_broken": Interval(695.8, 459.0, 932.0)},
                    {"relationships_broken": 0.2})
    assert "(3,480 times;" in big[0].words()


def test_the_model_books_every_deal_and_distributors_stock_explains_the_rest():
    """Per week: turnover = Σ deal value + (distributors' purchases − their deals' value)
    − rebates, the purchases read from the agents table (not from the decomposition)."""
    t = run_model(scenario("small"), 3, 30).tables()
    k, d, a = t["kpis"], t["deals"], t["agents"]

    def weekly(frame, col):
        return frame.groupby("week")[col].sum().reindex(k["week"], fill_value=0.0).to_numpy()

    buys = weekly(a[a.role == "distributor"], "purchases")
    stock = buys - weekly(d[d.channel == "distributor"], "value")
    np.testing.assert_allclose(weekly(d, "value") + stock - k["rebates"], k["turnover"],
                               rtol=1e-10, atol=1e-6)
    assert np.abs(stock).max() > 0          # distributors do hold and move stock
    np.testing.assert_allclose(weekly(d, "sell_through"), k["sell_through"], atol=1e-6)
    assert (d.channel != "").sum() == k["deals_won"].sum()
    assert (d.bids == 0).sum() == k["deals_unserved"].sum()


def test_a_real_pair_of_arms_decomposes_exactly():
    arms = {n: run_replications(scenario(n), 2, 4, 30) for n in ("small", "small_cut")}
    kpis, deals = (pd.concat([arms[n][t].assign(scenario=n) for n in arms])
                   for t in ("kpis", "deals"))
    d = decompose(kpis, deals, "small", "small_cut", 20)
    assert d.gap() < 1e-6 * kpis["turnover"].abs().max()
    assert d.total.estimate != 0.0
    k = kpis[kpis.week >= 20].groupby(["scenario", "rep"])["turnover"].sum()
    assert d.total.estimate == pytest.approx((k["small_cut"] - k["small"]).mean(), rel=1e-12)


@pytest.mark.slow
def test_a_real_strategy_that_loses_key_accounts_is_named(small_comparison):
    from analysis.comparison.paired import compare

    comp = compare(small_comparison)
    lines = sentences(comp)["small_pilot"]
    assert lines[1].startswith("Material losses")
    assert "segment key: sell through" in lines[1]
