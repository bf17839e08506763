"""Stress tests: sensitivity, scenario discovery, optimisation, and their building blocks."""

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import FIXTURES, cli, scenario

from analysis.studies.discovery import box_stats, find_rules
from analysis.studies.optimize import Evaluation, Lever, best, search
from analysis.studies.per_point import per_point
from analysis.studies.sensitivity import Factor, Tornado
from sim.scenario import load_scenario
from sim.scenario.writer import overrides

SMALL = FIXTURES / "small.yaml"
UNCERTAIN = FIXTURES / "small_uncertain.yaml"
FAST = ["--weeks", "26", "--workers", "1", "--quiet"]
UNREAD = "policy.training.expertise_boost"  # read only when training is enabled; it is not


def test_per_point_pairs_replications_known_answer():
    runs = pd.DataFrame({"point": [0, 0, 0, 0], "rep": [0, 1, 0, 1],
                         "scenario": ["base", "base", "strategy", "strategy"],
                         "turnover": [100.0, 200.0, 90.0, 220.0],
                         "margin": [10.0, 20.0, 10.0, 30.0]})
    for col in ("sell_through", "conflicts_per_100_deals", "price_dumping", "agents_active",
                "top20_share", "fill_rate"):
        runs[col] = [1.0, 1.0, 2.0, 4.0]
    pp = per_point(runs, "strategy", "base").iloc[0]
    assert pp["turnover"] == 155.0
    assert pp["turnover_change_pct"] == pytest.approx(100 * 5 / 150)     # 155 vs 150
    assert pp["margin_change_pct"] == pytest.approx(100 * 5 / 15)        # 20 vs 15
    assert pp["p_shrink"] == 0.5                                         # rep 0 shrinks only
    assert pp["change_conflicts_per_100_deals"] == 2.0                   # 3 vs 1


def test_tornado_design_and_known_answer():
    fs = [Factor("a", 0.0, 1.0, 0.5), Factor("b", 10.0, 20.0, 12.0)]
    X = Tornado.sample(fs)
    assert X.tolist() == [[0.5, 12.0], [0.0, 12.0], [1.0, 12.0], [0.5, 10.0], [0.5, 20.0]]
    y = 3 * X[:, 0] - 0.1 * X[:, 1]       # +3 over a's range, -1 over b's
    t = Tornado.analyze(fs, X, y)
    assert t["factor"].tolist() == ["a", "b"]
    assert t["swing"].tolist() == pytest.approx([3.0, -1.0])


def test_box_stats_known_answer():
    X = pd.DataFrame({"a": [0.1, 0.5, 0.7, 0.9], "b": [0.0, 0.0, 1.0, 1.0]})
    y = np.array([False, True, True, False])
    # box a >= 0.4: holds rows 1, 2, 3 -> 2 of the 2 of interest, 2 of its 3 rows, 3 of 4
    assert box_stats(X, y, {"a": (0.4, None)}) == (1.0, pytest.approx(2 / 3), 0.75)
    assert box_stats(X, y, {"a": (0.4, 0.8), "b": (None, 0.5)}) == (0.5, 1.0, 0.25)


def test_prim_recovers_a_planted_rule():
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.random((400, 4)), columns=["a", "b", "c", "d"])
    planted = (X["a"] > 0.6) & (X["b"] < 0.4)
    y = planted.to_numpy() ^ (rng.random(400) < 0.03)   # 3% of labels flipped
    rules, trajectory = find_rules(X, y)
    rule = rules[0]
    assert set(rule.limits) == {"a", "b"}
    assert rule.limits["a"][0] == pytest.approx(0.6, abs=0.05) and rule.limits["a"][1] is None
    assert rule.limits["b"][1] == pytest.approx(0.4, abs=0.05) and rule.limits["b"][0] is None
    assert rule.density > 0.85 and rule.coverage > 0.8
    assert "a > 0.6" in rule.sentence() or "a > 0.5" in rule.sentence()
    assert trajectory["chosen"].sum() == 1


def test_prim_finds_a_second_mechanism_outside_the_first_box():
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.random((500, 3)), columns=["a", "b", "c"])
    y = ((X["a"] > 0.6) | (X["b"] < 0.15)).to_numpy()
    rules, _ = find_rules(X, y)
    assert [set(r.limits) for r in rules] == [{"a"}, {"b"}]
    assert rules[0].limits["a"][0] == pytest.approx(0.6, abs=0.03)
    assert rules[1].limits["b"][1] == pytest.approx(0.15, abs=0.03)
    assert min(r.density for r in rules) > 0.95


def test_a_stale_stored_run_is_not_reused(tmp_path):
    from sim.experiments.store import OutcomeStore

    store = OutcomeStore.open(tmp_path, {"kind": "test"})
    store.write_outcome("strategy", 3, 1, {"a": 0.5}, {"turnover": 7.0})
    assert store.stored("strategy", 3, 1, {"a": 0.5}) == {"turnover": 7.0}
    assert store.stored("strategy", 3, 1, {"a": 0.6}) is None      # another design's point
    assert store.stored("strategy", 3, 2, {"a": 0.5}) is None


def test_prim_finds_nothing_where_nothing_is_of_interest():
    X = pd.DataFrame({"a": np.linspace(0, 1, 50)})
    assert find_rules(X, np.zeros(50, bool))[0] == []
    assert find_rules(X, np.ones(50, bool))[0] == []


def test_search_respects_the_risk_limit():
    def evaluate(settings):
        return [Evaluation(-(s["x"] - 0.8) ** 2, 1.0 if s["x"] > 0.5 else 0.0, {})
                for s in settings]
    t = search(evaluate, [Lever("x", 0.0, 1.0)], trials=24, max_p_shrink=0.1, seed=2)
    top = best(t)
    # unconstrained the best is 0.8; within the limit it is at the edge, 0.5
    assert 0.4 < top["x"] <= 0.5 and top["feasible"]
    assert len(t) == 24 and t["trial"].tolist() == list(range(24))
    again = search(evaluate, [Lever("x", 0.0, 1.0)], trials=24, max_p_shrink=0.1, seed=2)
    pd.testing.assert_frame_equal(t, again)


def test_overrides_take_whole_lists():
    sc = scenario("case_baseline")
    o = overrides(sc, ["policy.discounts.promo", "market.regions"])
    assert o == {"policy": {"discounts": {"promo": sc.policy.discounts.promo}},
                 "market": {"regions": list(sc.market.regions)}}
    reform = scenario("case_reform")
    o = overrides(reform, ["policy.rebates.tiers.1.rate", "market.deal_rate.key"])
    tiers = [t.model_dump() for t in reform.policy.rebates.tiers]
    assert o["policy"]["rebates"] == {"tiers": tiers}
    assert o["market"]["deal_rate"] == dict(reform.market.deal_rate)     # every segment


def test_morris_gives_an_unread_lever_no_effect_and_the_last_rank(tmp_path):
    r = cli("sensitivity", SMALL, "--method", "morris", "--samples", "4", "--reps", "1",
            "--factor", "market.growth=-0.05:0.1", "--factor",
            "competitor.aggressiveness=0.2:0.9", "--factor", f"{UNREAD}=0:0.5", *FAST,
            "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path / "sensitivity.csv").set_index("factor")
    assert t.loc[UNREAD, "mu_star"] == 0.0          # common random numbers: exactly no effect
    assert t.loc[UNREAD, "rank"] == 3
    assert t.loc["competitor.aggressiveness", "mu"] < 0 < t.loc["market.growth", "mu"]
    assert len(pd.read_csv(tmp_path / "design.csv")) == 4 * (3 + 1)


def test_tornado_gives_known_signs(tmp_path):
    r = cli("sensitivity", SMALL, "--method", "tornado", "--reps", "2", "--factor",
            "market.growth=-0.05:0.1", "--factor", "competitor.aggressiveness=0.2:0.9",
            "--factor", f"{UNREAD}=0:0.5", *FAST, "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path / "sensitivity.csv").set_index("factor")
    # a growing market raises turnover; a fiercer competitor lowers it
    assert t.loc["market.growth", "swing"] > 0 > t.loc["competitor.aggressiveness", "swing"]
    assert t.loc[UNREAD, "swing"] == 0 and t.loc[UNREAD, "rank"] == 3
    html = cli("report", tmp_path)
    assert html.returncode == 0, html.stderr
    page = (tmp_path / "report.html").read_text()
    assert "Turnover is most sensitive to" in page and "data:image/png" in page


def test_uncertainties_apply_to_both_sides_levers_to_the_strategy(tmp_path):
    r = cli("sensitivity", UNCERTAIN, "--against", UNCERTAIN, "--method", "tornado", "--reps",
            "2", "--factor", "policy.discounts.promo=0:0.1", *FAST, "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path / "sensitivity.csv").set_index("factor")
    assert set(t.index) == {"choice.price", "competitor.aggressiveness", "market.growth",
                            "policy.discounts.promo"}
    # the strategy is the baseline: a world's uncertainty moves both alike, no change
    world = t.drop(index="policy.discounts.promo")
    assert (world[["y_base", "y_low", "y_high", "swing"]] == 0).all().all()
    assert t.loc["policy.discounts.promo", "importance"] > 0
    assert t.loc["policy.discounts.promo", "rank"] == 1


def test_discover_runs_resumes_and_reports(tmp_path):
    args = ["discover", UNCERTAIN, FIXTURES / "small_cut.yaml", "--samples", "12", "--reps",
            "1", *FAST, "--out", tmp_path]
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path / "discover.csv")
    # the futures are a Latin hypercube of the baseline's uncertainties: one in each twelfth
    for path, u in load_scenario(UNCERTAIN).uncertainties.items():
        strata = np.floor((t[path] - u.low) / (u.high - u.low) * 12).astype(int)
        assert sorted(strata) == list(range(12)), path
    # each future's change is the paired change of its stored runs (one replication each)
    for point in (0, 7):
        runs = {sc: json.loads((tmp_path / "outcomes" / sc / f"p-{point:05d}-r-0000.json")
                               .read_text()) for sc in ("base", "strategy")}
        assert runs["base"]["values"] == runs["strategy"]["values"]      # the same world
        base, strat = (runs[sc]["outcomes"]["turnover"] for sc in ("base", "strategy"))
        assert t.loc[point, "turnover_change_pct"] == pytest.approx(100 * (strat / base - 1))
    doc = json.loads((tmp_path / "study.json").read_text())
    assert doc["sentences"][0].startswith(
        f"small_cut shrinks turnover in {int(t['shrinks'].sum())} of 12 sampled futures")
    files = {p: p.read_bytes() for p in (tmp_path / "outcomes").rglob("*.json")}
    assert len(files) == 12 * 2
    assert cli(*args).returncode == 0         # nothing to run again: same files, same table
    assert {p: p.read_bytes() for p in (tmp_path / "outcomes").rglob("*.json")} == files
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "discover.csv"), t)


def test_optimize_finds_the_clearly_better_setting(tmp_path):
    # a milder competitor is plainly better for turnover (it changes choices, not demand, so
    # common random numbers hold): the search must find the bottom of the range
    args = ["optimize", SMALL, "--lever", "competitor.aggressiveness=0:1", "--lever",
            f"{UNREAD}=0:1", "--trials", "10", "--reps", "2", "--max-p-shrink", "0.5", *FAST,
            "--out", tmp_path]
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path / "optimize.csv")
    stored = {p: p.stat().st_mtime_ns for p in (tmp_path / "outcomes").rglob("*.json")}
    assert len(stored) == 2 * (10 + 1)
    assert cli(*args).returncode == 0          # resumed: the same trials, nothing rerun
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "outcomes").rglob("*.json")} == stored
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "optimize.csv"), t)
    top = t.loc[t[t["feasible"]]["objective"].idxmax()]
    assert top["competitor.aggressiveness"] < 0.2
    doc = yaml.safe_load((tmp_path / "best.yaml").read_text())
    assert (tmp_path / doc["extends"]).resolve() == SMALL.resolve()
    assert doc["competitor"]["aggressiveness"] == pytest.approx(top["competitor.aggressiveness"])
    written = load_scenario(tmp_path / "best.yaml")
    assert written.competitor.aggressiveness == doc["competitor"]["aggressiveness"]
    assert written.market == load_scenario(SMALL).market


def test_studies_give_the_same_results_on_every_engine(tmp_path):
    args = ["sensitivity", UNCERTAIN, "--method", "tornado", "--reps", "2", "--weeks", "13",
            "--quiet"]
    tables = []
    for name, engine in [("serial", ["--workers", "1"]), ("processes", ["--workers", "2"]),
                         ("dask", ["--dask-local", "--workers", "2"])]:
        r = cli(*args, *engine, "--out", tmp_path / name)
        assert r.returncode == 0, r.stderr
        tables.append(pd.read_csv(tmp_path / name / "design.csv"))
    pd.testing.assert_frame_equal(tables[0], tables[1])
    pd.testing.assert_frame_equal(tables[0], tables[2])


@pytest.mark.parametrize(("args", "reason"), [
    (["sensitivity", SMALL, "--factor", "market.nothing=0:1"],
     "--factor market.nothing: no such parameter (at 'nothing')"),
    (["sensitivity", SMALL, "--factor", "policy.stacking=0:1"],
     "--factor policy.stacking: not a numeric setting"),
    (["sensitivity", SMALL], "declares no uncertainties and no --factor was given"),
    (["sensitivity", UNCERTAIN, "--method", "anova"], "--method anova: one of tornado"),
    (["sensitivity", UNCERTAIN, "--output", "p_shrink"], "needs --against BASELINE"),
    (["sensitivity", UNCERTAIN, "--output", "happiness"], "--output happiness: one of"),
    (["discover", SMALL, FIXTURES / "small_cut.yaml"], "declares no uncertainties"),
    (["optimize", SMALL, "--lever", "policy.discounts.nothing=0:1"],
     "--lever policy.discounts.nothing: no such parameter"),
    (["optimize", SMALL, "--lever", "market.growth=0.1:0"], "LOW must be below HIGH"),
    (["optimize", SMALL, "--lever", "market.growth=0:0.1:3"], "expected PATH=LOW:HIGH"),
    (["optimize", SMALL, "--lever", "market.growth=0.1:0.1"], "LOW must be below HIGH"),
    (["optimize", SMALL, "--lever", "market.growth=0:0.1", "--save", FIXTURES],
     "is a folder; give a file name"),
    (["optimize", SMALL, "--lever", "market.growth=0:0.1", "--objective", "joy"],
     "--objective joy: one of turnover, margin"),
])
def test_bad_study_inputs_are_clean_errors(tmp_path, args, reason):
    r = cli(*args, "--out", tmp_path / "o")
    assert r.returncode == 2, r.stdout
    assert reason in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_the_tornado_centre_is_compare_without_uncertainty(tmp_path):
    # #23: the same seeds and window give the same change, to the last digit
    from analysis.comparison.paired import compare
    from analysis.studies.common import Runs
    from analysis.studies.sensitivity import run_sensitivity
    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import SerialEngine

    (tmp_path / "one.yaml").write_text(f"extends: {SMALL}\nname: one\nuncertainties:\n"
                                       "  market.growth: {low: -0.05, high: 0.1}\n")
    scs = {"base": load_scenario(tmp_path / "one.yaml"),
           "cut": load_scenario(FIXTURES / "small_cut.yaml")}
    res = run_sensitivity(scs["cut"], scs["base"], "tornado", None, "turnover", [],
                          Runs(reps=2, weeks=22, seed=3, engine="serial", out=tmp_path / "t"))
    t = res.table("sensitivity")
    run_comparison(scs, "base", 2, 3, 22, tmp_path / "c", SerialEngine(), uncertainty=False)
    w = compare(tmp_path / "c").strategies["cut"].windows.turnover_after
    assert t["y_base"].iloc[0] == pytest.approx(w.estimate, rel=1e-9)
    assert t["y_base_ci_low"].iloc[0] == pytest.approx(w.low, rel=1e-9)
    assert t["y_base_ci_high"].iloc[0] == pytest.approx(w.high, rel=1e-9)
    assert (t["outcome"] == "turnover change after week 20 (%)").all()
    assert w.estimate != 0 and w.low < w.high      # a real change, not two zeros agreeing
    assert "[" in res.sentences[1]                  # the centre's interval is said
