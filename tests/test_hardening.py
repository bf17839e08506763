"""Hardening: random valid scenarios, mutated files, faults in the environment."""

import copy
import shutil
import zlib

import numpy as np
import pytest
import yaml
from conftest import ROOT, SHIPPED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import ChannelModel
from sim.experiments.store import TABLES
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.vocab import KINDS as PARTNER_KINDS
from sim.vocab import TURNOVER_CHANNELS as CHANNELS
from sim.vocab import DealStatus

OPEN, WON, LOST = DealStatus.OPEN, DealStatus.WON, DealStatus.LOST

REGIONS = ["r0", "r1", "r2", "r3"]
frac = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def scenarios(draw):
    """Valid scenarios across the schema: small, but with every lever and edge in reach."""
    n_regions = draw(st.integers(1, 4))
    regions = REGIONS[:n_regions]
    weights = {r: draw(st.sampled_from([0.0, 0.5, 1.0, 3.0])) for r in regions}
    if sum(weights.values()) == 0:
        weights[regions[0]] = 1.0
    tiers = st.fixed_dictionaries({t: frac for t in ("base", "silver", "gold")})
    territory = draw(st.sampled_from([["open"], ["exclusive_regions"], ["segment_split"],
                                      ["segment_split", "exclusive_regions"]]))
    rebate_tiers = sorted(set(draw(st.lists(st.floats(0, 1e6), min_size=1, max_size=3))))
    # a pilot leaves at least one control region and comes before the full rollout, which
    # comes within the horizon
    pilot = draw(st.lists(st.sampled_from(regions), unique=True, max_size=n_regions - 1))
    weeks = draw(st.integers(3, 14))
    full = draw(st.integers(2 if pilot else 1, weeks))
    changes = draw(st.lists(st.sampled_from([
        {"action": "prune_on_paper", "share": 1.0},
        {"action": "upgrade_top", "roles": ["distributor", "partner"]},
        {"action": "retype", "kinds": ["dealer"], "to_kind": "service", "share": 1.0},
        {"action": "add", "roles": ["distributor"], "count": 1},
        {"action": "add", "roles": ["partner"], "kinds": ["integrator"], "count": 1},
    ]), max_size=3))
    data = {
        "weeks": weeks,
        "market": {"regions": regions, "region_weights": weights,
                   "customers": draw(st.integers(1, 120)),
                   "growth": draw(st.floats(-0.5, 1.0)),
                   "competitor_incumbent_share": draw(frac)},
        "competitor": {"aggressiveness": draw(frac)},
        "network": {"distributors": draw(st.integers(0, 3)),
                    "partners": {k: draw(st.integers(0, 2)) for k in PARTNER_KINDS},
                    "direct_reps": draw(st.integers(0, 2)),
                    "marketplace": draw(st.booleans()),
                    "size_sigma": draw(st.floats(0, 2))},
        "behaviour": {"warmup_weeks": draw(st.integers(0, 3)),
                      "inventory": {"lead_time": draw(st.integers(1, 4)),
                                    "destocking": draw(st.booleans()),
                                    "forward_buying": draw(st.booleans()),
                                    "rebate_loading": draw(st.booleans())}},
        "policy": {
            "discounts": {"distributor": draw(tiers), "partner": draw(tiers),
                          "promo": draw(frac), "project": draw(frac),
                          "dealer_via_distributor": draw(frac)},
            "stacking": draw(st.sampled_from(["stacked", "best_of"])),
            "max_total_discount": draw(frac),
            "min_resale_price": {"enabled": draw(st.booleans()), "enforcement": draw(frac)},
            "territory": territory,
            "deal_registration": draw(st.booleans()),
            "two_tier": draw(st.booleans()),
            "direct": {"accounts": draw(st.sampled_from(["all", "key_accounts"])),
                       "compensation": draw(st.sampled_from(["any_sale", "assigned_only"]))},
            "rebates": {"scheme": draw(st.sampled_from(["none", "retroactive", "marginal"])),
                        "period_weeks": draw(st.integers(1, 13)),
                        "tiers": [{"threshold": t, "rate": draw(frac)} for t in rebate_tiers]},
            "sales_bonus": draw(frac), "marketing_funds": draw(frac),
            "plan_bonus": {"rate": draw(frac)},
            "spec_in_bonus": draw(st.floats(0, 1e5)),
            "training": {"enabled": draw(st.booleans())},
            "tiers": {"enabled": draw(st.booleans()), "review_weeks": draw(st.integers(1, 5))},
            "marketplace": {"enabled": draw(st.booleans()), "fee": draw(frac)},
        },
        "rollout": {"pilot_regions": pilot, "pilot_week": 1 if pilot else None,
                    "full_week": full, "announce_weeks": draw(st.integers(0, 3)),
                    "grandfather_weeks": draw(st.integers(0, 3)), "network_changes": changes},
    }
    if not draw(st.booleans()):
        del data["rollout"]
    net = data["network"]
    if not (net["distributors"] or net["direct_reps"]
            or any(n for kind, n in net["partners"].items() if kind != "specifier")
            or (net["marketplace"] and data["policy"]["marketplace"]["enabled"])):
        net["direct_reps"] = 1    # nobody could sell, which the schema refuses: one rep sells
    sc = Scenario.model_validate(data)
    before = copy.deepcopy(data["policy"])
    before["territory"] = ["open"]
    before["deal_registration"] = False
    return sc.with_policy_before(Scenario.model_validate({**data, "policy": before,
                                                          "rollout": None}).policy)


def check_invariants(m: ChannelModel) -> None:
    k = m.kpis()
    assert np.isfinite(k.to_numpy(dtype=float)).all()
    np.testing.assert_allclose(k["turnover"], sum(k[f"turnover_{c}"] for c in CHANNELS),
                               rtol=1e-9, atol=1e-6)
    assert ((m.channel.commitment >= 0) & (m.channel.commitment <= 1)).all()
    d = m.deals
    assert np.isin(d.status, [OPEN, WON, LOST]).all()
    decided = (d.status != OPEN) & (d.decide >= 1)
    assert k["deals_won"].sum() + k["deals_lost"].sum() == decided.sum()
    assert (d.decide[d.status == OPEN] > m.week).all()


# Derandomized: the same examples in every run; the deadline is about 20 times an example's
# time on a loaded machine (a hang or a blow-up fails, a busy machine does not).
@settings(max_examples=30, deadline=5000, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(sc=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_random_valid_scenarios_keep_the_invariants(sc, seed):
    m = ChannelModel(sc, rng=seed)
    for _ in range(sc.weeks):
        m.step()
        assert (m.distributors.on_hand >= -1e-9).all() and (m.distributors.backlog >= -1e-9).all()
    check_invariants(m)


@pytest.mark.slow
@settings(max_examples=300, deadline=5000, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(sc=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_random_valid_scenarios_keep_the_invariants_long(sc, seed):
    m = ChannelModel(sc, rng=seed)
    m.run_for(sc.weeks)
    assert (m.distributors.on_hand >= -1e-9).all()
    check_invariants(m)


# -- mutated scenario files ------------------------------------------------------------
ODD_VALUES = [None, "", "text", -1, 0, 1.5, 10**12, -1e308, float("nan"), float("inf"),
              [], [1, "a"], {}, {"x": 1}, True]


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


def _mutate(data, rng):
    data = copy.deepcopy(data)
    paths = list(_paths(data))
    if not paths:
        return {"nonsense": 1}
    path = paths[rng.integers(len(paths))]
    parent = data
    for p in path[:-1]:
        parent = parent[p]
    key = path[-1]
    op = rng.integers(4)
    if op == 0:
        parent[key] = ODD_VALUES[rng.integers(len(ODD_VALUES))]
    elif op == 1 and isinstance(parent, dict):
        parent[f"{key}_typo"] = parent.pop(key)
    elif op == 2 and isinstance(parent, dict):
        del parent[key]
    else:
        parent[key] = {"nested": parent[key]}
    return data


def _text_mutations(text, rng):
    cut = rng.integers(len(text))
    yield text[:cut]
    yield text[:cut] + rng.choice(list(":{}[]-!&*%@`|>\t\"'")) + text[cut:]
    yield text.replace(":", "", 1)


@pytest.mark.parametrize("name", SHIPPED)
def test_mutated_scenario_files_load_or_fail_cleanly(tmp_path, name):
    for f in (ROOT / "scenarios").glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    raw = yaml.safe_load((ROOT / "scenarios" / f"{name}.yaml").read_text())
    text = (ROOT / "scenarios" / f"{name}.yaml").read_text()
    rng = np.random.default_rng(zlib.crc32(name.encode()))  # the same in every process
    target = tmp_path / "mutant.yaml"
    outcomes = {"valid": 0, "refused": 0}
    cases = [yaml.safe_dump(_mutate(raw, rng), allow_unicode=True) for _ in range(60)]
    cases += [t for _ in range(10) for t in _text_mutations(text, rng)]
    for case in cases:
        target.write_text(case)
        try:
            sc = load_scenario(target)
        except ScenarioError as exc:
            outcomes["refused"] += 1
            assert exc.lines() and all(line.startswith(str(target)) or "yaml" in line
                                       for line in exc.lines())
        else:
            outcomes["valid"] += 1
            assert isinstance(sc, Scenario)
    assert outcomes["refused"] > 0


def test_huge_and_nan_numbers_are_refused_cleanly(tmp_path):
    for value in (".nan", ".inf", "-.inf", "1e400"):
        f = tmp_path / "x.yaml"
        f.write_text(f"market: {{regions: [a], growth: {value}}}\n")
        with pytest.raises(ScenarioError):
            load_scenario(f)


# -- faults in the environment ---------------------------------------------------------
def test_manifest_of_another_version_is_refused_and_kept(tmp_path):
    import json

    from conftest import scenario

    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import SerialEngine
    from sim.experiments.store import StoreError

    scs = {"a": scenario("small"), "b": scenario("small_cut")}
    run_comparison(scs, "a", 2, 1, 20, tmp_path, SerialEngine())
    path = tmp_path / "manifest.json"
    m = json.loads(path.read_text())
    m["channelsim_version"] = "0.0.1"
    path.write_text(json.dumps(m))
    before = sorted(p.name for p in tmp_path.rglob("*.parquet"))
    with pytest.raises(StoreError, match="channelsim_version"):
        run_comparison(scs, "a", 2, 1, 20, tmp_path, SerialEngine())
    assert sorted(p.name for p in tmp_path.rglob("*.parquet")) == before
    assert json.loads(path.read_text())["channelsim_version"] == "0.0.1"


def test_unsafe_scenario_names_cannot_escape_the_results_folder(tmp_path):
    from conftest import scenario

    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import SerialEngine
    from sim.experiments.store import StoreError

    for bad in ("../evil", "a/b", "..", ".hidden"):
        with pytest.raises(StoreError, match="cannot name a results folder"):
            run_comparison({"a": scenario("small"), bad: scenario("small_cut")}, "a", 1, 1, 20,
                           tmp_path / "o", SerialEngine())
    assert not (tmp_path / "evil").exists()


# -- kills -----------------------------------------------------------------------------
def test_a_dask_worker_killed_mid_run_still_gives_identical_results(tmp_path):
    import functools

    from conftest import scenario

    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import DaskEngine, SerialEngine

    scs = {"a": scenario("small"), "b": scenario("small_cut")}
    run_comparison(scs, "a", 3, 6, 20, tmp_path / "ref", SerialEngine())
    from conftest import die_once

    die = functools.partial(die_once, marker=str(tmp_path / "marker"))
    run_comparison(scs, "a", 3, 6, 20, tmp_path / "dask", DaskEngine(None, 2, fn=die))
    assert (tmp_path / "marker").exists()
    from conftest import stored_files

    assert stored_files(tmp_path / "dask") == stored_files(tmp_path / "ref")


@pytest.mark.slow
def test_compare_killed_at_random_points_resumes_to_identical_files(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from conftest import FIXTURES

    args = [sys.executable, "-m", "analysis.cli", "compare", str(FIXTURES / "small.yaml"),
            str(FIXTURES / "small_cut.yaml"), "--reps", "10", "--weeks", "40", "--seed", "9",
            "--workers", "2", "--quiet"]
    ref, out = tmp_path / "ref", tmp_path / "out"
    assert subprocess.run([*args, "--out", str(ref)], cwd=ROOT, timeout=900).returncode == 0
    rng = np.random.default_rng(5)
    for _ in range(4):
        proc = subprocess.Popen([*args, "--out", str(out)], cwd=ROOT)
        time.sleep(rng.uniform(1.0, 6.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for rdir in out.rglob("rep-*"):  # whatever exists is whole
            assert len(list(rdir.glob("*.arrow"))) == len(TABLES)
    assert subprocess.run([*args, "--out", str(out)], cwd=ROOT, timeout=900).returncode == 0
    files = sorted(p.relative_to(ref) for p in ref.rglob("*.parquet"))
    assert files == sorted(p.relative_to(out) for p in out.rglob("*.parquet"))
    for f in files:
        assert (out / f).read_bytes() == (ref / f).read_bytes()
    assert (out / "summary.json").read_bytes() == (ref / "summary.json").read_bytes()


def test_read_only_output_folder_is_a_clear_error(tmp_path, monkeypatch):
    from pathlib import Path

    from conftest import scenario

    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import SerialEngine
    from sim.experiments.store import StoreError

    def read_only(self, *a, **kw):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(Path, "mkdir", read_only)
    with pytest.raises(StoreError, match="cannot write results \\(Read-only file system\\)"):
        run_comparison({"a": scenario("small"), "b": scenario("small_cut")}, "a", 1, 1, 20,
                       tmp_path / "ro", SerialEngine())
