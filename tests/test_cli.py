"""The command line, run as a user would: clean one-line errors, exit 2, nothing written."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES, ROOT, cli

BASE = "market: {regions: [north, south]}\n"


def test_validate_reports_ok_for_every_shipped_scenario():
    files = sorted((ROOT / "scenarios").glob("*.yaml"))
    r = cli("validate", *files)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count(": ok") == len(files) >= 6


BAD = {
    "broken.yaml": ("market: {regions: [a, b]\n", "", "invalid YAML at line"),
    "unknown_key.yaml": (BASE + "colour: red\n", "colour", "unknown key"),
    "wrong_type.yaml": ("market: {regions: [a], customers: many}\n", "market.customers",
                        "must be a whole number between 1 and 10,000,000"),
    "discount.yaml": (BASE + "policy: {discounts: {promo: 1.5}}\n", "policy.discounts.promo",
                      "must be at most 1"),
    "negative.yaml": (BASE + "network: {distributors: -3}\n", "network.distributors",
                      "must be at least 0"),
    "region.yaml": (BASE + "rollout: {pilot_regions: [mars], pilot_week: 3, full_week: 9}\n",
                    "rollout.pilot_regions", "unknown region 'mars'"),
    "kind.yaml": (BASE + "network: {partners: {wizard: 2}}\n", "network.partners.wizard",
                  "unknown name"),
    "missing_parent.yaml": ("extends: nowhere.yaml\n", "extends", "file not found"),
    "tag.yaml": ("market: !!python/object/apply:os.system ['echo hacked']\n", "",
                 "could not determine a constructor"),
    "nan.yaml": ("market: {regions: [a], growth: .nan}\n", "market.growth", "finite"),
    "uncertain_lever.yaml": (BASE + "uncertainties: {policy.sales_bonus: {low: 0, high: 1}}\n",
                             "uncertainties.policy.sales_bonus", "levers"),
    "top_level_list.yaml": ("- a\n- b\n", "", "top level must be a mapping"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_gives_one_clean_line_and_exit_2(tmp_path, name):
    text, field, reason = BAD[name]
    f = tmp_path / name
    f.write_text(text)
    out = tmp_path / "out"
    for args in (("validate", f), ("run", f, "--out", out)):
        r = cli(*args)
        assert r.returncode == 2, r.stdout + r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, r.stderr
        assert "Traceback" not in r.stderr
        assert lines[0].startswith(f"{f}: ")
        if field:
            assert f": {field}: " in lines[0]
        assert reason in lines[0]
    assert not out.exists()


def test_extends_cycle_is_reported(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    r = cli("validate", tmp_path / "a.yaml")
    assert r.returncode == 2
    assert "extends: cycle: a.yaml -> b.yaml -> a.yaml" in r.stderr


def test_missing_file_and_unwritable_output(tmp_path):
    r = cli("run", tmp_path / "nothing.yaml", "--out", tmp_path / "o")
    assert r.returncode == 2 and "file not found" in r.stderr and "Traceback" not in r.stderr
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = cli("run", FIXTURES / "small.yaml", "--out", blocker / "sub")
    assert r.returncode == 2 and "cannot write output folder" in r.stderr
    r = cli("run", FIXTURES / "small.yaml", "--weeks", "0")
    assert r.returncode == 2


def test_run_writes_six_tables_and_prints_the_summary(tmp_path):
    out = tmp_path / "run"
    r = cli("run", FIXTURES / "small.yaml", "--weeks", "60", "--seed", "3", "--out", out)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "agents.parquet", "by_region.parquet", "conflicts.parquet", "deals.parquet",
        "flows.parquet", "kpis.parquet"]
    k = pd.read_parquet(out / "kpis.parquet")
    assert len(k) == 60 and k["week"].tolist() == list(range(1, 61))
    assert "turnover by channel per year" in r.stdout
    # one row per year in the summary: year 1 (52 weeks) and year 2 (8 weeks)
    assert "│    52 │" in r.stdout and "│     8 │" in r.stdout
    from sim import load_scenario, simulate
    expected = simulate(load_scenario(FIXTURES / "small.yaml"), 3, 60)
    pd.testing.assert_frame_equal(k, expected)


def test_help_everywhere():
    for args in ((), ("validate",), ("run",)):
        r = cli(*args, "--help")
        assert r.returncode == 0 and "Usage" in r.stdout


def test_installed_script_answers():
    script = Path(sys.executable).parent / "channelsim"
    r = subprocess.run([str(script), "validate", FIXTURES / "small.yaml"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip().endswith("small.yaml: ok")


def test_compare_bad_inputs_are_clean(tmp_path):
    small, cut = FIXTURES / "small.yaml", FIXTURES / "small_cut.yaml"
    cases = [
        (["compare", small, tmp_path / "nothing.yaml"], "file not found"),
        (["compare", small, cut, "--reps", "0"], "reps"),
        (["compare", small, cut, "--reps", "2", "--scheduler", "tcp://127.0.0.1:9"],
         "cannot reach the Dask scheduler"),
        (["compare", small, cut, "--reps", "2", "--out", tmp_path / "file" / "sub"],
         "cannot write results"),
    ]
    (tmp_path / "file").write_text("x")
    for args, reason in cases:
        out = tmp_path / "out"
        full = [*args] if "--out" in args else [*args, "--out", out]
        r = cli(*full)
        assert r.returncode == 2, (args, r.stderr)
        assert reason in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
        assert not out.exists()


def test_compare_prints_and_saves_the_summary(tmp_path):
    r = cli("compare", FIXTURES / "small.yaml", FIXTURES / "small_cut.yaml", "--reps", "3",
            "--weeks", "40", "--workers", "1", "--out", tmp_path, "--material-share", "5")
    assert r.returncode == 0, r.stderr
    assert "turnover changes by" in r.stdout     # the decomposition (#23)
    assert "small_cut" in r.stdout and "P(shrink)" in r.stdout
    assert "[6/6] replications done" in r.stdout
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert summary["strategy"].tolist() == ["small_cut"]
    import json
    doc = json.loads((tmp_path / "summary.json").read_text())
    assert doc["baseline"] == "small" and "small_cut" in doc["strategies"]
    assert doc["material_share"] == 0.05
    assert set(doc["strategies"]["small_cut"]["decomposition"]["parts"]) >= {"newly_won"}
    quiet = cli("compare", FIXTURES / "small.yaml", FIXTURES / "small_cut.yaml", "--reps", "3",
                "--weeks", "40", "--workers", "1", "--out", tmp_path, "--material-share", "5",
                "--quiet")
    # --quiet hides the progress, never the result: the same summary, without progress lines
    assert quiet.returncode == 0, quiet.stderr
    assert "replications done" not in quiet.stdout
    assert "P(shrink)" in quiet.stdout and f"summary.json in {tmp_path}/" in quiet.stdout
    assert quiet.stdout == r.stdout.replace(
        "".join(x + "\n" for x in r.stdout.splitlines() if "replications done" in x), "")
