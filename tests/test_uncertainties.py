"""The forms of an uncertainty: ranges, normals, the joint block; merging; refusals."""

import numpy as np
import pytest
from conftest import FIXTURES

from sim import load_scenario
from sim.experiments.seeds import sample_uncertainties
from sim.scenario import Scenario
from sim.scenario.loader import ScenarioError

BASE = load_scenario(FIXTURES / "small_uncertain.yaml")


def _with(uncertainties: dict) -> Scenario:
    data = BASE.model_dump(mode="json")
    data["uncertainties"] = uncertainties
    return Scenario.model_validate(data)


def test_normals_and_the_joint_block_draw_their_distributions_within_the_bounds():
    sc = _with({
        "competitor.aggressiveness": {"low": 0.2, "high": 0.9},
        "choice.price": {"dist": "normal", "mean": 0.5, "sd": 1.0},    # bounded below by 0
        "joint": {"paths": ["market.growth", "market.deal_rate.key"], "mean": [0.03, 0.1],
                  "cov": [[1e-4, -2.4e-4], [-2.4e-4, 1e-3]]}})           # correlation -0.76
    assert sc.uncertain_paths() == ["choice.price", "competitor.aggressiveness",
                                    "market.growth", "market.deal_rate.key"]
    draws = sample_uncertainties(sc, 400, 2)
    x = np.array([[d[p] for p in sc.uncertain_paths()] for d in draws])
    assert x[:, 0].min() >= 0.0 and x[:, 0].mean() > 0.5          # truncated at 0, not clipped
    assert np.mean(x[:, 0] == 0.0) == 0.0
    assert 0.2 <= x[:, 1].min() and x[:, 1].max() <= 0.9
    assert x[:, 2].mean() == pytest.approx(0.03, abs=0.002)
    assert x[:, 3].std() == pytest.approx(np.sqrt(1e-3), rel=0.1)
    assert np.corrcoef(x[:, 2], x[:, 3])[0, 1] == pytest.approx(-0.76, abs=0.08)
    assert x[:, 3].min() >= 0.0                                     # a deal rate stays >= 0
    ranges = sc.uncertain_ranges()
    assert ranges["competitor.aggressiveness"] == (0.2, 0.9)
    assert ranges["market.growth"] == pytest.approx((0.03 - 1.645e-2, 0.03 + 1.645e-2), abs=1e-4)


def test_ranges_alone_draw_as_a_latin_hypercube_over_each_range():
    draws = sample_uncertainties(BASE, 10, 3)
    for path, (lo, hi) in BASE.uncertain_ranges().items():
        strata = sorted(int((d[path] - lo) / (hi - lo) * 10) for d in draws)
        assert strata == list(range(10)), path


def test_an_extending_file_replaces_an_entry_whole_and_null_removes_it(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {FIXTURES / 'small_uncertain.yaml'}\nname: child\n"
                     "uncertainties:\n  market.growth: null\n"
                     "  choice.price: {dist: normal, mean: 7.0, sd: 0.5}\n")
    sc = load_scenario(child)
    assert "market.growth" not in sc.uncertainties
    assert sc.uncertainties["choice.price"].sd == 0.5
    assert sc.uncertainties["competitor.aggressiveness"].low == 0.2


@pytest.mark.parametrize(("entry", "where", "reason"), [
    ({"joint": {"paths": ["market.growth"], "mean": [0.1, 0.2], "cov": [[1.0]]}},
     "uncertainties.joint.mean", "2 values for 1 paths"),
    ({"joint": {"paths": ["market.growth", "choice.price"], "mean": [0.1, 7],
                "cov": [[1.0, 2.0], [2.0, 1.0]]}}, "uncertainties.joint.cov",
     "positive semi-definite"),
    ({"x": {"paths": ["market.growth"], "mean": [0.1], "cov": [[1.0]]}}, "uncertainties.x",
     "go under the key 'joint'"),
    ({"joint": {"paths": ["policy.sales_bonus"], "mean": [0.1], "cov": [[1.0]]}},
     "uncertainties.joint.policy.sales_bonus", "levers, not uncertainties"),
    ({"choice.price": {"dist": "normal", "mean": -1, "sd": 1}}, "uncertainties.choice.price.mean",
     "greater than or equal to 0"),
    ({"choice.price": {"low": 3, "high": 1}}, "uncertainties.choice.price.low",
     "must not exceed high"),
    ({"market.growth": {"low": 0, "high": 0.1},
      "joint": {"paths": ["market.growth"], "mean": [0.1], "cov": [[1.0]]}},
     "uncertainties.joint.paths", "also declared on its own"),
])
def test_bad_uncertainties_are_one_line_naming_the_entry(tmp_path, entry, where, reason):
    import yaml

    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"extends": str(FIXTURES / "small.yaml"), "name": "bad",
                                    "uncertainties": entry}))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    lines = info.value.lines()
    assert len(lines) == 1 and f"{where}: " in lines[0] and reason in lines[0], lines


def test_the_forecast_band_draws_every_fitted_setting_levers_included():
    import pandas as pd

    from analysis.studies.calibration import Fit, Parameter
    from analysis.studies.fitted_file import band_draws, calibrated_scenario, fitted_uncertainties

    paths = ["market.growth", "policy.discounts.distributor.base", "choice.price"]
    cov = np.array([[1e-4, -5e-5, 0.0], [-5e-5, 1e-4, 0.0], [0.0, 0.0, np.inf]])
    values = {"market.growth": 0.05, "policy.discounts.distributor.base": 0.25,
              "choice.price": 7.0}
    fit = Fit(values, {p: float(np.sqrt(cov[i, i])) for i, p in enumerate(paths)}, {}, {},
              0.0, 0, pd.DataFrame(), cov, np.zeros((1, 3)), np.ones(1), np.zeros(1),
              np.eye(1), 5, 20)
    fitted = fitted_uncertainties(BASE, fit, [Parameter(p, 0, 10) for p in paths])
    assert fitted.drawn == ["market.growth"] and fitted.left == ["choice.price"]
    assert fitted.fixed == ["policy.discounts.distributor.base"]
    assert fitted.uncertainties["market.growth"] is None         # leaves its inherited range
    cal = calibrated_scenario(BASE, fit, fitted)
    assert cal.uncertainties["choice.price"].low == 5.0          # not identified: range kept
    draws = band_draws(cal, fit, fitted, 300, 1)
    x = np.array([[d[p] for p in paths[:2]] for d in draws])
    assert x.std(axis=0) == pytest.approx([0.01, 0.01], rel=0.15)
    assert np.corrcoef(x.T)[0, 1] == pytest.approx(-0.5, abs=0.12)
    assert 5.0 <= min(d["choice.price"] for d in draws) and max(
        d["choice.price"] for d in draws) <= 10.0
