"""Scenario comparison: common random numbers, engines, resumable store, statistics."""

import functools
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import FIXTURES, ROOT, die_once, scenario, stored_files

from analysis.comparison.paired import compare
from analysis.comparison.results import load_results
from sim.experiments.compare import run_comparison, run_replications
from sim.experiments.engines import DaskEngine, ProcessEngine, SerialEngine
from sim.experiments.seeds import replication_seeds, sample_uncertainties
from sim.experiments.store import TABLES
from sim.scenario import Scenario, deep_merge, load_scenario

SMALL = yaml.safe_load((FIXTURES / "small.yaml").read_text())


def strategy() -> Scenario:
    """A small strategy: an abrupt distributor discount cut at week 20."""
    sc = Scenario.model_validate(deep_merge(SMALL, {
        "policy": {"discounts": {"distributor": {"base": 0.2, "silver": 0.2, "gold": 0.2}}},
        "rollout": {"full_week": 20}}))
    return sc.with_policy_before(scenario("small").policy)


def pair():
    return {"base": scenario("small"), "cut": strategy()}


def test_a_scenario_against_itself_differs_by_nothing(tmp_path):
    sc = scenario("small")
    run_comparison({"a": sc, "b": sc}, "a", 4, 7, 40, tmp_path, SerialEngine())
    comp = compare(tmp_path)
    r = comp.strategies["b"]
    assert (r.per_rep["turnover_change"] == 0).all()
    assert r.p_shrink.estimate == 0 and r.p_shrink_material.estimate == 0
    assert r.turnover_change.estimate == 0 and r.dip.depth == 0


def test_paired_differences_are_zero_before_the_strategy_and_pairing_pays(tmp_path):
    run_comparison(pair(), "base", 6, 3, 52, tmp_path, SerialEngine())
    k = load_results(tmp_path)
    assert list(k.columns[:3]) == ["scenario", "rep", "week"]
    b = k[k.scenario == "base"].set_index(["rep", "week"])
    s = k[k.scenario == "cut"].set_index(["rep", "week"])
    before = b.index.get_level_values("week") < 20
    pd.testing.assert_frame_equal(b[before].drop(columns="scenario"),
                                  s[before].drop(columns="scenario"))
    assert not b[~before]["turnover"].equals(s[~before]["turnover"])
    r = compare(tmp_path).strategies["cut"]
    # common random numbers: the difference varies far less than two independent runs would
    assert r.pairing_variance * 5 < r.unpaired_variance
    assert r.start_week == 20


def test_engines_give_identical_stored_files(tmp_path, monkeypatch):
    from sim.experiments import dataset

    monkeypatch.setattr(dataset, "BLOCK", 2)     # blocks of 2: replications 0-1 and 2
    scs = pair()
    run_comparison(scs, "base", 3, 11, 30, tmp_path / "serial", SerialEngine())
    run_comparison(scs, "base", 3, 11, 30, tmp_path / "procs", ProcessEngine(2))
    run_comparison(scs, "base", 3, 11, 30, tmp_path / "dask", DaskEngine(None, 2))
    ref = stored_files(tmp_path / "serial")
    # scenarios x blocks x (tables + the block's marker), nothing left staged
    assert len(ref) == 2 * 2 * (len(TABLES) + 1)
    assert not list((tmp_path / "serial" / "runs").rglob("*.arrow"))
    assert stored_files(tmp_path / "procs") == ref
    assert stored_files(tmp_path / "dask") == ref
    assert ((tmp_path / "serial" / "manifest.json").read_text()
            == (tmp_path / "dask" / "manifest.json").read_text())


def test_a_dying_worker_loses_and_duplicates_nothing(tmp_path):
    scs = pair()
    die = functools.partial(die_once, marker=str(tmp_path / "marker"))
    run_comparison(scs, "base", 3, 5, 20, tmp_path / "ref", SerialEngine())
    run_comparison(scs, "base", 3, 5, 20, tmp_path / "died", ProcessEngine(2, fn=die))
    assert (tmp_path / "marker").exists()
    assert stored_files(tmp_path / "died") == stored_files(tmp_path / "ref")


def test_killed_compare_resumes_to_identical_stored_files(tmp_path):
    args = [sys.executable, "-m", "analysis.cli", "compare", str(FIXTURES / "small.yaml"),
            str(FIXTURES / "small_cut.yaml"), "--reps", "8", "--weeks", "52", "--seed", "4",
            "--workers", "1", "--quiet"]
    ref, killed = tmp_path / "ref", tmp_path / "killed"
    assert subprocess.run([*args, "--out", str(ref)], cwd=ROOT, timeout=600).returncode == 0
    proc = subprocess.Popen([*args, "--out", str(killed)], cwd=ROOT)
    deadline = time.time() + 300
    while time.time() < deadline and len(stored_files(killed) if killed.exists() else {}) < 12:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = stored_files(killed)
    # two replications staged, the block of eight not yet written
    assert partial and all(k.endswith(".arrow") for k in partial), \
        "the kill came too late to test resuming"
    assert subprocess.run([*args, "--out", str(killed)], cwd=ROOT, timeout=600).returncode == 0
    assert stored_files(killed) == stored_files(ref)
    for name in ("summary.csv", "summary.json"):
        assert (killed / name).read_bytes() == (ref / name).read_bytes()
    assert not list(killed.rglob(".*tmp*"))


def test_uncertain_values_are_shared_by_both_arms_and_cover_their_ranges(tmp_path):
    base = load_scenario(ROOT / "scenarios" / "case_baseline.yaml")
    values = sample_uncertainties(base, 10, 3)
    for path, rng in base.uncertainties.items():
        v = np.array([d[path] for d in values])
        assert rng.low <= v.min() and v.max() <= rng.high
        # Latin hypercube: one draw in each tenth of the range
        strata = np.floor((v - rng.low) / (rng.high - rng.low) * 10).astype(int)
        assert sorted(strata) == list(range(10))
    assert values == sample_uncertainties(base, 10, 3)
    sc = Scenario.model_validate(deep_merge(SMALL, {"uncertainties": {
        "competitor.aggressiveness": {"low": 0.0, "high": 1.0}}}))
    scs = {"base": sc, "cut": strategy()}
    run_comparison(scs, "base", 4, 2, 20, tmp_path, SerialEngine())
    import json
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert len(manifest["uncertain_values"]) == 4
    # both arms of a replication ran in the same future: identical before the strategy
    k = load_results(tmp_path)
    a = k[(k.scenario == "base") & (k.week < 20)].drop(columns="scenario").reset_index(drop=True)
    b = k[(k.scenario == "cut") & (k.week < 20)].drop(columns="scenario").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    # and different futures differ
    t = k[(k.scenario == "base") & (k.week < 20)].groupby("rep")["turnover"].sum()
    assert t.nunique() == 4


def test_replication_seeds_and_in_memory_runs():
    seeds = replication_seeds(5, 3)
    assert [s.spawn_key for s in seeds] == [(0,), (1,), (2,)]
    t = run_replications(scenario("small"), 2, 5, 10)
    assert set(t) == set(TABLES) and "deals" in t
    assert t["kpis"]["rep"].tolist() == [0] * 10 + [1] * 10


def test_manifest_mismatch_is_refused(tmp_path):
    from sim.experiments.store import StoreError

    run_comparison(pair(), "base", 2, 1, 22, tmp_path, SerialEngine())
    with pytest.raises(StoreError, match="different comparison"):
        run_comparison(pair(), "base", 2, 2, 22, tmp_path, SerialEngine())


def test_public_names_and_quarterly_figures(tmp_path):
    import analysis
    import sim

    run_comparison(pair(), "base", 4, 3, 52, tmp_path, SerialEngine())
    assert sim.run_replications is run_replications
    k = analysis.load_results(tmp_path)
    assert {"scenario", "rep", "week", "turnover", "top20_share"} <= set(k.columns)
    comp = analysis.compare(tmp_path, baseline="base", strategies=["cut"])
    assert isinstance(comp, analysis.Comparison)
    q = comp.strategies["cut"].quarters
    assert q["quarter"].tolist() == [1, 2, 3, 4]
    # before the cut (quarter 1 ends at week 13) nothing differs
    assert q.loc[0, "turnover_change"] == 0 and q.loc[0, "margin_change"] == 0
    assert (q["turnover_low"] <= q["turnover_change"]).all()
    assert (q["turnover_boot_high"] >= q["turnover_change"]).all()
    # cumulative change equals the sum of quarterly changes
    r = comp.strategies["cut"]
    assert q["turnover_change"].sum() == pytest.approx(r.turnover_change.estimate)
