"""Mesa 3.5 idioms: batch_run, agents by type, the region network, reporters."""

import mesa
from conftest import scenario

from sim import ChannelModel
from sim.agents import Customer, DirectRep, Distributor, Marketplace, Partner


def test_batch_run_with_a_scenario_parameter():
    sc = scenario("small")
    results = mesa.batch_run(ChannelModel, parameters={"scenario": [sc]}, rng=[1, 2],
                             max_steps=52, number_processes=1, display_progress=False)
    assert len(results) == 2
    assert all("turnover" in r for r in results)
    assert results[0]["Step"] == 52
    assert results[0]["turnover"] != results[1]["turnover"]


def test_every_customer_and_channel_agent_is_a_mesa_agent():
    sc = scenario("small")
    m = ChannelModel(sc, rng=1)
    by_type = m.agents_by_type
    assert len(by_type[Customer]) == sc.market.customers
    assert len(by_type[Distributor]) == sc.network.distributors
    assert len(by_type[Partner]) == sum(sc.network.partners.values())
    assert len(by_type[DirectRep]) == sc.network.direct_reps
    assert len(by_type[Marketplace]) == 1
    # agents sit in the cells of their home region
    assert len(m.space.all_cells) == len(sc.market.regions)
    for agent in by_type[Distributor]:
        assert agent.cell.coordinate == m.channel.region[agent.idx]
    assert m.spec is sc


def test_datacollector_records_each_week():
    m = ChannelModel(scenario("small"), rng=2)
    m.run_for(10)
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == 10
    assert df["turnover"].tolist() == m.kpis()["turnover"].tolist()


def test_defection_hands_customers_and_specs_to_the_competitor():
    m = ChannelModel(scenario("small"), rng=3)
    m.run_for(5)
    agent = next(iter(m.agents_by_type[Partner]))
    j = agent.idx
    m.customers.incumbent[:3] = j
    rows = m.deals.open_rows()
    m.deals.spec[rows[:2]] = 1
    m.deals.spec_agent[rows[:2]] = j
    agent.defect()
    assert agent.state == "defected"
    assert (m.customers.incumbent[:3] == m.channel.competitor).all()
    assert (m.deals.spec[rows[:2]] == -1).all()
    m.run_for(5)
    assert agent.state == "defected"
    assert m.channel.week["sell_through"][j] == 0
