"""Where every unit of money lands (DOMAIN.md "Accounting"), on one-channel markets."""

import numpy as np
import pytest
import yaml
from conftest import FIXTURES

from sim import run_model
from sim.scenario import Scenario, deep_merge

SMALL = yaml.safe_load((FIXTURES / "small.yaml").read_text())
NO_PARTNERS = {k: 0 for k in ("integrator", "dealer", "project", "service", "specifier")}


def build(**override) -> Scenario:
    return Scenario.model_validate(deep_merge(SMALL, override))


def test_direct_sales_are_turnover_at_the_customers_price():
    sc = build(network={"distributors": 0, "partners": NO_PARTNERS, "direct_reps": 3})
    m = run_model(sc, 1)
    k = m.kpis()
    assert k["turnover_direct"].sum() > 0
    np.testing.assert_allclose(k["turnover"], k["sell_through"])
    np.testing.assert_allclose(k["turnover"], k["turnover_direct"])
    np.testing.assert_allclose(k["margin"], k["turnover"] - k["cogs"] - k["direct_cost"])
    # direct cost: 3 reps x 2,500 a week plus 3% commission on sales
    np.testing.assert_allclose(k["direct_cost"], 3 * 2500 + 0.03 * k["turnover_direct"])


def test_marketplace_sales_bring_the_price_less_the_fee():
    sc = build(network={"distributors": 0, "partners": NO_PARTNERS, "direct_reps": 0},
               policy={"marketplace": {"enabled": True, "fee": 0.15, "price_discount": 0.1}})
    k = run_model(sc, 2).kpis()
    assert k["sell_through"].sum() > 0
    np.testing.assert_allclose(k["turnover"], k["turnover_marketplace"])
    np.testing.assert_allclose(k["turnover_marketplace"], 0.85 * k["sell_through"])


def test_partners_buying_direct_pay_their_purchase_price_less_rebates():
    sc = build(
        network={"distributors": 0, "direct_reps": 0, "marketplace": False,
                 "partners": {"integrator": 3, "dealer": 0, "project": 2, "service": 2,
                              "specifier": 0}},
        policy={"rebates": {"scheme": "retroactive", "period_weeks": 13,
                            "tiers": [{"threshold": 20000, "rate": 0.02}]},
                "sales_bonus": 0.01})
    m = run_model(sc, 3)
    t = m.tables()
    k, agents = t["kpis"], t["agents"]
    gross = agents.groupby("week")["purchases"].sum().to_numpy()
    assert gross.sum() > 0 and k["rebates"].sum() > 0
    np.testing.assert_allclose(k["turnover_partner"], gross - k["rebates"], atol=1e-6)
    np.testing.assert_allclose(k["turnover"], k["turnover_partner"])
    # partners resell at a margin: customers pay more than the manufacturer receives
    assert k["sell_through"].sum() > gross.sum()


def test_distributor_sell_in_is_replenishment_and_units_are_conserved():
    sc = build(
        network={"distributors": 3, "direct_reps": 0, "marketplace": False,
                 "partners": NO_PARTNERS},
        products=[{"name": "only", "list_price": 100.0, "unit_cost": 60.0, "stocked": True}],
        policy={"discounts": {"promo": 0.0, "project": 0.0}, "sales_bonus": 0.0},
        behaviour={"inventory": {"rebate_loading": False}})
    m = run_model(sc, 4)
    st = m.distributors
    k = m.kpis()
    price = 100.0 * (1 - 0.28)  # base distributor discount of the schema's default policy
    bought_units = k["turnover_distributor"].sum() / price
    asked = k["units_ordered_from_stock"].sum()
    assert bought_units > 0 and asked > 0
    # position now = position after warm-up + units bought - units asked of stock
    m0 = run_model(sc, 4, weeks=0)
    def position(s):
        return s.on_hand.sum() + s.pipeline.sum() - s.backlog.sum()
    assert position(st) == pytest.approx(position(m0.distributors) + bought_units - asked, rel=1e-9)
    assert (st.on_hand >= 0).all()
    np.testing.assert_allclose(k["cogs"], k["turnover_distributor"] / price * 60.0)


def test_two_tier_dealers_reach_the_manufacturer_through_their_distributor():
    sc = build(
        network={"distributors": 2, "direct_reps": 0, "marketplace": False,
                 "partners": {**NO_PARTNERS, "dealer": 4}},
        policy={"two_tier": True})
    t = run_model(sc, 5).tables()
    k, agents = t["kpis"], t["agents"]
    dealers = agents[agents["kind"] == "dealer"]
    assert dealers["sell_through"].sum() > 0
    assert dealers["purchases"].sum() == 0
    assert (k["turnover_partner"] == 0).all()
    assert k["turnover_distributor"].sum() > 0
