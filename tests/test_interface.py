"""The public interface that must survive any move of code: names, signatures, options."""

import inspect

import pytest
from conftest import cli

import analysis
import sim
from sim.rules import choice, commitment, inventory, pricing, rebates

RULES = {
    choice: {"utility": ["w", "price_rel", "delivery", "complexity", "expertise", "incumbent",
                         "spec", "is_brand"],
             "logit_shares": ["u", "available", "scale"],
             "gumbel": ["uniform"],
             "choose": ["u", "noise", "available", "scale"],
             "choose_among_bids": ["deal", "z_bids", "z_outside"]},
    commitment: {"commitment_target": ["w", "margin_gap", "incentive_rate", "trained", "tier",
                                       "volume", "conflicts_lost"],
                 "update_commitment": ["c", "target", "speed"],
                 "next_state": ["state", "c", "weeks_low", "selling",
                                "defect_threshold", "defect_weeks"]},
    inventory: {"moving_average": ["history"],
                "order_up_to": ["forecast", "on_hand", "on_order", "backlog", "lead_time",
                                "safety_weeks", "cover_factor", "extra"],
                "required_extra": ["chosen_level", "min_level"],
                "holding_cost": ["units", "unit_price", "holding_rate"],
                "cover_factor": ["margin", "margin_ref", "commitment", "commitment_ref",
                                 "elasticity", "floor"],
                "loading_extra": ["volume_so_far", "next_threshold", "reach", "weeks_left",
                                  "loading_weeks"]},
    pricing: {"stack_discounts": ["components", "mode", "cap"],
              "quote_price": ["list_price", "cost", "street_discount", "rivals", "war_step",
                              "margin_floor", "resale_floor"],
              "is_dumping": ["price", "list_price", "recommended_min"]},
    rebates: {"retroactive_rebate": ["volume", "thresholds", "rates"],
              "rebate_rate": ["volume", "thresholds", "rates"],
              "marginal_rebate": ["volume", "thresholds", "rates"],
              "rebate": ["volume", "thresholds", "rates", "scheme"],
              "weekly_accrual": ["before", "purchases", "thresholds", "rates", "scheme"],
              "true_up": ["volume", "accrued", "thresholds", "rates", "scheme"]},
}


def _params(fn) -> list[str]:
    return list(inspect.signature(fn).parameters)


def test_sim_names():
    assert callable(sim.load_scenario) and callable(sim.simulate)
    assert callable(sim.run_replications) and callable(sim.run_model)
    assert _params(sim.ChannelModel) == ["scenario", "rng", "weeks"]
    for name in ("step", "tables", "kpis"):
        assert callable(getattr(sim.ChannelModel, name))
    assert _params(sim.simulate)[:3] == ["scenario", "seed", "weeks"]
    assert _params(sim.run_replications)[:4] == ["scenario", "reps", "seed", "weeks"]


def test_a_model_has_its_deals_and_tables(small):
    m = sim.ChannelModel(small, rng=1, weeks=3)
    m.step()
    assert m.deals.n > 0
    assert set(m.tables()) == {"kpis", "by_region", "conflicts", "agents", "flows",
                                "deals"}


def test_analysis_names():
    assert _params(analysis.load_results)[:2] == ["path", "table"]
    assert _params(analysis.compare)[:3] == ["results", "baseline", "strategies"]
    for name in ("run_sweep", "run_sensitivity", "run_discovery", "run_optimize",
                 "calibrate_scenario", "Runs"):
        assert callable(getattr(analysis, name))
    assert _params(analysis.fit_choice) == ["quotes", "scenario"]
    assert analysis.ChoiceFit.__name__ == "ChoiceFit"


@pytest.mark.parametrize("module", list(RULES), ids=lambda m: m.__name__)
def test_rule_signatures(module):
    for name, params in RULES[module].items():
        assert _params(getattr(module, name)) == params, name


def test_command_options():
    wanted = {"run": ["--weeks", "--seed", "--out"],
              "compare": ["--reps", "--weeks", "--seed", "--out", "--quiet", "--workers",
                          "--no-uncertainty", "--scheduler", "--dask-local",
                          "--material-share"],
              "fit-choice": ["--quotes", "--scenario", "--out"]}
    for command, options in wanted.items():
        text = cli(command, "--help").stdout
        for option in options:
            assert option in text, (command, option)
