"""The model as a plain function of dotted-path parameters (for SALib, EMA Workbench, ...)."""

import pytest
from conftest import FIXTURES, scenario

from sim import run_experiment
from sim.experiments.outcomes import OUTCOMES
from sim.experiments.settings import set_values
from sim.scenario import ScenarioError

SMALL = FIXTURES / "small.yaml"


def test_run_experiment_returns_every_outcome_and_is_reproducible():
    a = run_experiment(SMALL, seed=3, weeks=20)
    assert set(a) == set(OUTCOMES)
    assert a == run_experiment(SMALL, seed=3, weeks=20)
    assert a["turnover"] > 0


def test_a_lever_and_an_uncertainty_move_the_outcomes_the_expected_way():
    base = run_experiment(SMALL, seed=2, reps=2, weeks=30)
    fierce = run_experiment(SMALL, seed=2, reps=2, weeks=30,
                            **{"competitor.aggressiveness": 1.0})
    assert fierce["sell_through"] < base["sell_through"]
    # underscores stand for dots where a caller cannot pass them
    same = run_experiment(SMALL, seed=2, reps=2, weeks=30, competitor__aggressiveness=1.0)
    assert same == fierce
    capped = run_experiment(SMALL, seed=2, reps=2, weeks=30,
                            **{"policy.max_total_discount": 0.05})
    assert capped["turnover"] != base["turnover"]


def test_paths_that_do_not_exist_or_are_not_numbers_are_refused():
    sc = scenario("small")
    with pytest.raises(ScenarioError, match="no such parameter"):
        set_values(sc, {"policy.discounts.nothing": 0.1})
    with pytest.raises(ScenarioError, match="not a numeric setting"):
        set_values(sc, {"policy.stacking": 1.0})
    with pytest.raises(ScenarioError, match="must be at most 1"):
        set_values(sc, {"policy.discounts.promo": 3.0})
    assert set_values(sc, {"behaviour.inventory.lead_time": 3.4}).behaviour.inventory.lead_time == 3


def test_ema_workbench_drives_the_model():
    from ema_workbench import Model, RealParameter, ScalarOutcome, perform_experiments
    from ema_workbench.em_framework.evaluators import SequentialEvaluator

    def small_market(**kw):
        return run_experiment(SMALL, seed=1, weeks=15, **kw)

    model = Model("channelsim", function=small_market)
    model.uncertainties = [RealParameter("competitor__aggressiveness", 0.1, 0.9)]
    model.levers = [RealParameter("policy__discounts__promo", 0.0, 0.1)]
    model.outcomes = [ScalarOutcome("turnover"), ScalarOutcome("conflicts_per_100_deals")]
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=3, policies=2,
                                                    evaluator=evaluator)
    assert len(experiments) == 6
    assert len(outcomes["turnover"]) == 6 and (outcomes["turnover"] > 0).all()
    assert experiments["competitor__aggressiveness"].between(0.1, 0.9).all()


def test_salib_drives_the_model():
    # the README's example, on the small market: SALib samples, run_experiment evaluates
    import numpy as np
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    problem = {"num_vars": 2, "names": ["competitor.aggressiveness",
                                        "policy.training.expertise_boost"],
               "bounds": [[0.2, 0.9], [0.0, 0.5]]}
    X = morris_sample.sample(problem, N=3, seed=1)
    Y = np.array([run_experiment(SMALL, reps=1, weeks=20,
                                 **dict(zip(problem["names"], x, strict=True)))["turnover"]
                  for x in X])
    si = morris_analyze.analyze(problem, X, Y, seed=1)
    # the competitor moves turnover; training's boost is not read (training is off)
    assert si["mu_star"][0] > 0 and si["mu_star"][1] == 0
