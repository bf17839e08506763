"""Checks before any work: a study refuses a short horizon or a run too big for memory,
naming the file, before it loads its libraries or builds anything; and the memory estimate
those refusals rest on, against measured peaks (the refusals issue)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, SCENARIOS, refused

from sim.scenario import load_scenario

BASE = SCENARIOS / "case_baseline.yaml"
SMALL = FIXTURES / "small.yaml"


# -- the studies check before they load their libraries or build anything --------------
CUT = SCENARIOS / "cut_distributor_discount.yaml"
HEAVY = ("mesa", "scipy", "matplotlib", "SALib", "optuna")
LOADED = (f"import atexit, runpy, sys; atexit.register(lambda: print('loaded:', *[m for m in "
          f"{HEAVY!r} if m in sys.modules])); sys.argv = sys.argv[:1] + sys.argv[1:]; "
          "runpy.run_module('analysis.cli', run_name='__main__')")


def study_cli(*args, env=None):
    """Run a study command; the finished process and the heavy libraries it loaded."""
    full = {**os.environ, **(env or {})}
    r = subprocess.run([sys.executable, "-c", LOADED, *map(str, args)], capture_output=True,
                       text=True, cwd=ROOT, timeout=60, env=full)
    loaded = r.stdout.rsplit("loaded:", 1)[1].split()
    return r, loaded


@pytest.mark.parametrize("args", [
    ("sweep", CUT, "--vary", "policy.discounts.promo=0:0.1:2"),
    ("sensitivity", CUT, "--against", BASE),
    ("discover", BASE, CUT, "--samples", "10"),
    ("optimize", CUT, "--lever", "policy.discounts.promo=0:0.1"),
], ids=lambda a: a[0])
def test_a_study_refuses_a_short_horizon_naming_the_file_before_loading_the_model(
        tmp_path, args):
    out = tmp_path / "study"
    r, loaded = study_cli(*args, "--weeks", "40", "--out", out)
    refused(r, f"{CUT}: the horizon (40 weeks) ends before cut_distributor_discount starts",
            out=out)
    assert loaded == [], f"loaded {loaded} before refusing"


@pytest.fixture
def history_csv(tmp_path):
    """Twelve months of direct sales: the shortest history calibrate accepts."""
    f = tmp_path / "history.csv"
    f.write_text("period,channel,revenue\n" + "".join(
        f"2024-{m:02d},direct,{1000 * m}\n" for m in range(1, 13)), encoding="utf-8")
    return f


@pytest.mark.parametrize("args", [
    ("sweep", BASE, "--vary", "policy.discounts.promo=0:0.1:2", "--out"),
    ("calibrate", FIXTURES / "calib.yaml", "--fit", "market.deal_rate.key=0.1:0.5",
     "--out", "calibrated.yaml", "--results"),
], ids=lambda a: a[0])
def test_a_study_too_big_for_memory_is_refused_naming_the_file(tmp_path, args, history_csv):
    out = tmp_path / "study"
    extra = ("--history", history_csv) if args[0] == "calibrate" else ()
    r, loaded = study_cli(*args[:-1], *extra, args[-1], out, "--workers", "2",
                          env={"CHANNELSIM_MEMORY_LIMIT": str(150e6)})
    refused(r, f"{args[1]}: 2 runs at once of", "needs about", "(--weeks, market.customers, "
            "--reps; or fewer --workers)", out=out)
    assert loaded == [], f"loaded {loaded} before refusing"


def test_a_sweep_that_varies_the_size_is_checked_on_its_points(tmp_path):
    # Points that grow the market are not known before they are built: the sweep checks
    # them once built, before any replication, and names the file they come from.
    from analysis.studies.common import Runs
    from analysis.studies.sweep import run_sweep
    from sim.experiments.preflight import PreflightError

    out = tmp_path / "study"
    runs = Runs(reps=2, weeks=5200, engine="serial", out=out, sources={"base": str(SMALL)})
    with pytest.raises(PreflightError) as exc:
        run_sweep(load_scenario(SMALL), [("market.customers", 300.0, 1e7, 2)], None, runs)
    assert str(exc.value).startswith(f"{SMALL}: each run of 5200 weeks needs about")
    assert not out.exists()


def test_the_early_check_leaves_to_the_study_what_its_variants_change(monkeypatch):
    from sim.experiments.preflight import MEMORY_ENV, PreflightError, check_start

    monkeypatch.setenv(MEMORY_ENV, str(150e6))
    cut = load_scenario(CUT)
    start = {"strategy": cut}, 40, 1, 2, {"strategy": "cut.yaml"}
    with pytest.raises(PreflightError, match="^cut.yaml: the horizon"):
        check_start(*start, ["policy.discounts.promo"])
    with pytest.raises(PreflightError, match="^cut.yaml: each run of 40 weeks needs about"):
        check_start(*start, ["rollout.full_week"])            # a start may move, not a size
    check_start(*start, ["rollout.full_week", "market.customers"])  # both left to the study


# -- the memory estimate against measured peaks ------------------------------------------
# The peak resident memory of this process alone: VmHWM (ru_maxrss would also count the
# memory of the test process it was forked from, which Linux carries across exec).
PEAK = """
import runpy, sys
sys.argv = ["channelsim", *sys.argv[1:]]
try:
    runpy.run_module("analysis.cli", run_name="__main__")
except SystemExit:
    pass
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
print(int(hwm.split()[1]) * 1024, file=sys.stderr)
"""


def _measured_peak(tmp_path, *args) -> float:
    r = subprocess.run([sys.executable, "-c", PEAK, *map(str, args)], capture_output=True,
                       text=True, cwd=ROOT, timeout=600)
    return float(r.stderr.strip().splitlines()[-1])


def _sized(tmp_path, customers: int, weeks: int, scale: int) -> Path:
    f = tmp_path / f"s{customers}-{weeks}-{scale}.yaml"
    net = load_scenario(BASE).network
    parts = ", ".join(f"{k}: {v * scale}" for k, v in net.partners.items())
    f.write_text(f"extends: {BASE}\nweeks: {weeks}\nmarket: {{customers: {customers}}}\n"
                 f"network: {{distributors: {25 * scale}, direct_reps: {8 * scale}, "
                 f"partners: {{{parts}}}}}\n")
    return f


def _estimate_holds(tmp_path, customers, weeks, scale):
    from sim.experiments.preflight import run_bytes

    f = _sized(tmp_path, customers, weeks, scale)
    peak = _measured_peak(tmp_path, "run", f, "--out", tmp_path / "o")
    estimate = run_bytes(load_scenario(f), weeks)
    assert 0.5 <= estimate / peak <= 2.0, (customers, weeks, scale, estimate, peak)


def test_the_memory_estimate_is_near_the_measured_peak(tmp_path):
    _estimate_holds(tmp_path, 5000, 156, 1)


@pytest.mark.slow
@pytest.mark.parametrize(("customers", "weeks", "scale"), [
    (5000, 1040, 4), (50000, 156, 1), (200000, 52, 1), (5000, 156, 10)])
def test_the_memory_estimate_is_near_the_measured_peak_at_other_sizes(tmp_path, customers,
                                                                     weeks, scale):
    _estimate_holds(tmp_path, customers, weeks, scale)
