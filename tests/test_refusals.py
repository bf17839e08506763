"""Every bad input refused before any work: one line naming file and field, exit 2, nothing
written, before any replication runs (the classes of the refusals issue, one test or more
each)."""

import json
import os
import subprocess
import time

import pytest
from conftest import CLI, FIXTURES, ROOT, SCENARIOS, cli, refused
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.scenario.yaml_file import MAX_EXPANDED

BASE = SCENARIOS / "case_baseline.yaml"


def early_cli(*args, env=None):
    """Run the command line; it must stop before any replication (no progress line).

    Whether it refused *before any work* is read from what it did, not from a clock: a
    timed assertion fails on a loaded machine and proves nothing on a fast one.
    """
    full = {**os.environ, **(env or {})}
    r = subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                       timeout=60, env=full)
    assert "replications done" not in r.stdout + r.stderr, "work ran before the refusal"
    return r


def problem(tmp_path, text, name="s.yaml"):
    """The one line ``validate`` prints for a scenario file holding ``text``."""
    f = tmp_path / name
    f.write_text(text, encoding="utf-8") if isinstance(text, str) else f.write_bytes(text)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(f)
    assert len(exc.value.lines()) == 1, exc.value.lines()
    line = exc.value.lines()[0]
    assert line.startswith(str(f))
    return line


STRATEGY = f"extends: {BASE}\n"


# -- 1. horizons -----------------------------------------------------------------------
def test_a_horizon_before_the_rollout_is_refused_before_anything_runs(tmp_path):
    out = tmp_path / "cmp"
    r = early_cli("compare", BASE, SCENARIOS / "cut_distributor_discount.yaml", "--weeks", "40",
                  "--out", out)
    refused(r, "cut_distributor_discount.yaml", "ends before cut_distributor_discount starts "
            "(week 52)", out=out)


def test_a_rollout_after_the_scenario_horizon_fails_validation(tmp_path):
    line = problem(tmp_path, STRATEGY + "rollout: {full_week: 500}\n")
    assert "rollout.full_week: the strategy starts in week 500" in line
    assert "weeks: 156" in line


def test_a_horizon_that_ends_during_the_pilot_runs_and_says_so(tmp_path):
    pilot = tmp_path / "pilot.yaml"
    pilot.write_text(f"extends: {FIXTURES / 'small.yaml'}\nname: pilot\n"
                     "policy: {discounts: {promo: 0.0}}\n"
                     "rollout: {pilot_regions: [north], pilot_week: 10, full_week: 40}\n")
    out = tmp_path / "cmp"
    r = cli("compare", FIXTURES / "small.yaml", pilot, "--weeks", "20", "--reps", "2",
            "--workers", "1", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "ends before the full rollout (week 40): only the pilot (weeks 10-20)" in r.stderr
    assert "pilot in north (weeks 10-20)" in r.stdout
    assert "full rollout after the horizon" in r.stdout


# -- 2. sizes --------------------------------------------------------------------------
def test_sizes_beyond_the_schema_bounds_are_one_line(tmp_path):
    line = problem(tmp_path, "market: {regions: [a], customers: 100000000000000000000}\n")
    assert "market.customers: must be at most 10,000,000" in line
    line = problem(tmp_path, "market: {regions: [a], customers: 1e308}\n")
    assert "market.customers: must be a whole number between 1 and 10,000,000" in line
    r = early_cli("run", BASE, "--weeks", "100000000", "--out", tmp_path / "o")
    refused(r, "--weeks", out=tmp_path / "o")


def test_a_run_that_cannot_fit_in_memory_is_refused_with_the_estimate(tmp_path):
    out = tmp_path / "cmp"
    r = early_cli("compare", BASE, SCENARIOS / "case_reform.yaml", "--out", out,
                  env={"CHANNELSIM_MEMORY_LIMIT": str(150e6)})
    line = refused(r, "needs about", "GB; this machine has 0.1 GB available", out=out)
    assert "fewer weeks, customers or replications" in line
    big = tmp_path / "big.yaml"
    big.write_text(f"extends: {BASE}\nweeks: 5200\nmarket: {{customers: 10000000}}\n")
    refused(early_cli("run", big, "--out", tmp_path / "o"), "needs about",
            out=tmp_path / "o")


def test_memory_limit_is_read_from_the_container_first(monkeypatch):
    from sim.experiments import preflight

    monkeypatch.delenv(preflight.MEMORY_ENV, raising=False)
    monkeypatch.setattr(preflight, "_cgroup_limit", lambda: (3_000_000_000, 1_000_000_000))
    monkeypatch.setattr(preflight, "_meminfo", lambda field: 20_000_000_000)
    assert preflight.available_bytes() == 2_000_000_000
    monkeypatch.setattr(preflight, "_cgroup_limit", lambda: (None, None))
    assert preflight.available_bytes() == 20_000_000_000


def test_every_shipped_scenario_is_accepted_at_its_defaults():
    from sim.experiments.preflight import check_runs

    for f in sorted(SCENARIOS.glob("*.yaml")):
        sc = load_scenario(f)
        assert check_runs({sc.name: sc}, sc.weeks, workers=2, reps=20) == []


# -- 3. aliases ------------------------------------------------------------------------
def _bomb(levels: int) -> str:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [7, 9, 30])
def test_an_alias_bomb_is_refused_at_once(tmp_path, levels):
    start = time.perf_counter()
    line = problem(tmp_path, _bomb(levels))
    assert time.perf_counter() - start < 0.5
    assert "aliases expand" in line and "limit" in line


def test_a_recursive_alias_is_refused(tmp_path):
    assert "refers to the node that contains it" in problem(tmp_path, "a: &x [*x]\n")


def test_anchors_used_normally_keep_working(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("market:\n  regions: [a, b]\n  deal_size:\n"
                 "    small: &size {units_mean: 3, units_sigma: 0.5}\n"
                 "    mid: *size\n    key: *size\n    project: {<<: *size, units_mean: 40}\n")
    sc = load_scenario(f)
    assert sc.market.deal_size["key"].units_mean == 3
    assert sc.market.deal_size["project"].units_mean == 40
    assert MAX_EXPANDED == 1_000_000


# -- 4. duplicate keys -----------------------------------------------------------------
def test_a_key_written_twice_names_the_key_and_both_lines(tmp_path):
    text = ("market: {regions: [a]}\npolicy:\n  sales_bonus: 0.02\nweeks: 10\n"
            "policy:\n  sales_bonus: 0.0\n")
    assert "key 'policy' is written twice (lines 2 and 5)" in problem(tmp_path, text)
    nested = "market:\n  regions: [a]\n  growth: 0.1\n  growth: 0.2\n"
    assert "key 'growth' is written twice (lines 3 and 4)" in problem(tmp_path, nested)


# -- 5. settings that contradict each other --------------------------------------------
@pytest.mark.parametrize(("text", "reason"), [
    ("market: {regions: [a], customers: 0}\n", "market.customers: must be at least 1"),
    ("market: {regions: [a]}\nbehaviour: {commitment: {active_threshold: 0.1}}\n",
     "behaviour.commitment.active_threshold: removed: an agent is active when"),
    (STRATEGY + "rollout: {pilot_regions: [capital, northwest, volga, south, urals, siberia, "
     "center, north_caucasus, far_east, kaliningrad], pilot_week: 10, full_week: 20}\n",
     "rollout.pilot_regions: every region is in the pilot, which leaves no control region"),
    (STRATEGY + "rollout: {pilot_regions: [volga], pilot_week: 20, full_week: 20}\n",
     "rollout.pilot_week: must come before full_week"),
    (STRATEGY + "rollout: {pilot_week: 20, full_week: 30}\n",
     "rollout.pilot_week: no pilot_regions are named"),
    (STRATEGY + "policy: {territory: segment_split, segment_roles: {small: [], mid: [partner], "
     "key: [direct], project: [partner]}}\n", "policy.segment_roles.small: no role may sell"),
    (STRATEGY + "policy: {territory: exclusive_regions, exclusive_roles: []}\n",
     "policy.exclusive_roles: exclusive_regions needs at least one role"),
    (STRATEGY + "policy: {rebates: {scheme: retroactive, tiers: []}}\n",
     "policy.rebates.tiers: a retroactive rebate needs at least one tier"),
    (STRATEGY + "uncertainties: {choice.price: {low: -1, high: 3}}\n",
     "uncertainties.choice.price.low: must be greater than or equal to 0"),
    (STRATEGY + "uncertainties: {behaviour.inventory.lead_time: {low: 0, high: 3}}\n",
     "uncertainties.behaviour.inventory.lead_time.low"),
    ("market: {regions: [a, b], region_weights: {a: 0, b: 0}}\n",
     "market.region_weights: every region has weight 0"),
    ("market: {regions: [a], spec_weeks: {low: -3, high: 2}}\n",
     "market.spec_weeks.low: must be at least 0"),
    ("market: {regions: [a]}\nnetwork: {initial_commitment: {low: 0.2, high: 1.5}}\n",
     "network.initial_commitment.high: must be at most 1"),
])
def test_settings_that_make_a_run_meaningless_are_refused(tmp_path, text, reason):
    assert reason in problem(tmp_path, text)


SMALL = FIXTURES / "small.yaml"
NO_SELLERS = ("network: {distributors: 0, direct_reps: 0, marketplace: true, partners: "
              "{integrator: 0, dealer: 0, project: 0, service: 0, specifier: 2}}\n")
NO_DEALS = "market: {deal_rate: {small: 0, mid: 0, key: 0, project: 0}}\n"


@pytest.mark.parametrize(("text", "field"), [
    (NO_DEALS, "market.deal_rate: no customer raises a deal"),
    ("market: {segment_shares: {small: 1, mid: 0, key: 0, project: 0}, "
     "deal_rate: {small: 0, mid: 0.1, key: 0.1, project: 0.1}}\n",
     "market.deal_rate: no customer raises a deal"),
    (NO_SELLERS, "network: no agent can sell"),
])
def test_a_market_that_cannot_trade_is_refused_before_any_run(tmp_path, text, field):
    # Run, it printed "+0.0% [+0.0,+0.0]" and called the baseline's risk the smaller.
    bad = tmp_path / "dead.yaml"
    bad.write_text(f"extends: {SMALL}\nname: dead\n{text}", encoding="utf-8")
    out = tmp_path / "cmp"
    refused(early_cli("compare", SMALL, bad, "--reps", "2", "--out", out), "dead.yaml", field,
            out=out)
    refused(early_cli("validate", bad), f"{bad}: {field}")


def test_a_market_that_may_trade_is_accepted(tmp_path):
    # A rate drawn per future, the marketplace selling, a strategy contracting a seller.
    small = f"extends: {SMALL}\nname: s\n"
    drawn = small + NO_DEALS + "uncertainties: {market.deal_rate.key: {low: 0, high: 0.2}}\n"
    listed = small + NO_SELLERS + "policy: {marketplace: {enabled: true}}\n"
    added = small + NO_SELLERS + ("rollout: {full_week: 10, network_changes: [{action: add, "
                                  "roles: [distributor], count: 1}]}\n")
    for i, text in enumerate((drawn, listed, added)):
        f = tmp_path / f"s{i}.yaml"
        f.write_text(text, encoding="utf-8")
        assert load_scenario(f).name == "s"


# -- 6. and 7. messages that help ------------------------------------------------------
@pytest.mark.parametrize(("content", "reason"), [
    ("", "the file is empty"),
    ("# only a comment\n\n", "the file is empty"),
    (b"market: {regions: [a]}\nname: x\ndescription: caf\xe9\n",
     "not UTF-8 text (byte 0xE9 at line 3); save it as UTF-8"),
    ("policy: {project: 0.3}\nmarket: {regions: [a]}\n",
     "policy.project: unknown key; did you mean policy.discounts.project"),
    ("markte: {regions: [a]}\nmarket: {regions: [a]}\n", "markte: unknown key; did you mean "
     "market?"),
    ("market: {regions: [a]}\nweeks: 1e308\n", "weeks: must be a whole number between 1 and "
     "5,200"),
    ("market: {regions: [a]}\nweeks: 2.5\n", "weeks: must be a whole number"),
])
def test_messages_say_what_to_change(tmp_path, content, reason):
    assert reason in problem(tmp_path, content)


def test_a_folder_given_as_a_file(tmp_path):
    (tmp_path / "dir.yaml").mkdir()
    r = early_cli("validate", tmp_path / "dir.yaml")
    refused(r, "dir.yaml: is a folder, not a file")


def test_report_of_a_folder_that_does_not_exist(tmp_path):
    refused(early_cli("report", tmp_path / "nothing"), "nothing: no such folder")


def test_usage_errors_are_one_line(tmp_path):
    refused(early_cli("compare", BASE, "--weeks", "0"), "channelsim compare", "--weeks")
    refused(early_cli("frobnicate"), "No such command 'frobnicate'")
    refused(early_cli("compare"), "Missing argument")


def test_a_scenario_name_with_spaces_and_other_letters_is_accepted(tmp_path):
    base = tmp_path / "базовый сценарий.yaml"
    base.write_text((FIXTURES / "small.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    strategy = tmp_path / "мой план.yaml"
    strategy.write_text(f"extends: {base.name}\nname: мой план\n"
                        "policy: {discounts: {promo: 0.0}}\nrollout: {full_week: 10}\n",
                        encoding="utf-8")
    out = tmp_path / "cmp"
    r = cli("compare", base, strategy, "--weeks", "20", "--reps", "2", "--workers", "1",
            "--out", out, "--quiet")
    assert r.returncode == 0, r.stderr
    folders = sorted(p.name.split("=", 1)[1] for p in (out / "tables" / "kpis").iterdir())
    assert all(name.isascii() and " " not in name for name in folders)
    manifest = json.loads((out / "manifest.json").read_text())
    assert {s["label"] for s in manifest["scenarios"].values()} == {"базовый сценарий",
                                                                   "мой план"}
    assert "мой план" in (out / "summary.csv").read_text(encoding="utf-8")


# -- the loader under fuzzing ----------------------------------------------------------
SHIPPED_TEXT = {f.name: f.read_text(encoding="utf-8") for f in sorted(SCENARIOS.glob("*.yaml"))}


def _load_bytes(tmp_path, raw: bytes):
    f = tmp_path / "fuzz.yaml"
    f.write_bytes(raw)
    start = time.perf_counter()
    try:
        sc = load_scenario(f)
    except ScenarioError as exc:
        lines = exc.lines()
        assert lines and all(line.startswith(str(f)) or " -> " in line for line in lines)
        assert all("\n" not in line for line in lines)
    else:
        assert isinstance(sc, Scenario)
    assert time.perf_counter() - start < 2.0


@st.composite
def mutants(draw):
    """A shipped file with one edit: cut, insert, alias, duplicate key, huge number, encoding."""
    name = draw(st.sampled_from(sorted(SHIPPED_TEXT)))
    text = SHIPPED_TEXT[name].replace("extends: case_baseline.yaml", f"extends: {BASE}")
    lines = text.splitlines(keepends=True)
    i = draw(st.integers(0, len(lines) - 1))
    kind = draw(st.sampled_from(["cut", "insert", "alias", "duplicate", "huge", "latin1",
                                 "utf16", "bomb", "tag"]))
    if kind == "cut":
        return text[: draw(st.integers(0, len(text)))].encode()
    if kind == "insert":
        junk = draw(st.text(alphabet=":{}[]-!&*%@`|>\t\"' abc01\n", max_size=8))
        return "".join(lines[:i] + [junk] + lines[i:]).encode()
    if kind == "alias":
        return (f"x: &big {json.dumps(['v'] * 9)}\ny: [*big, *big, *big]\n" + text).encode()
    if kind == "duplicate":
        return "".join(lines[:i + 1] + [lines[i]] + lines[i + 1:]).encode()
    if kind == "huge":
        return text.replace("0.", draw(st.sampled_from(["1e308", "1e400", "-1e308", "9" * 40
                                                          + "."])), 1).encode()
    if kind == "latin1":
        return text.encode("utf-8") + "# café".encode("latin-1")
    if kind == "utf16":
        return text.encode("utf-16")
    if kind == "tag":
        return ("x: !!python/object/apply:os.system ['true']\n" + text).encode()
    return (_bomb(draw(st.integers(2, 12))) + text).encode()


@settings(derandomize=True, deadline=4000, max_examples=60,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=st.binary(max_size=400))
def test_arbitrary_bytes_are_refused_cleanly_or_valid(tmp_path, raw):
    _load_bytes(tmp_path, raw)


@settings(derandomize=True, deadline=4000, max_examples=80,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=mutants())
def test_mutated_shipped_files_are_refused_cleanly_or_valid(tmp_path, raw):
    _load_bytes(tmp_path, raw)


@pytest.mark.slow
@settings(derandomize=True, deadline=4000, max_examples=1500,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=st.one_of(mutants(), st.binary(max_size=2000)))
def test_loader_fuzzing_long(tmp_path, raw):
    _load_bytes(tmp_path, raw)


def test_a_python_tag_builds_nothing(tmp_path):
    marker = tmp_path / "ran"
    line = problem(tmp_path, f"x: !!python/object/apply:os.system ['touch {marker}']\n")
    assert "invalid YAML" in line and not marker.exists()
