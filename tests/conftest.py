import functools
import subprocess
import sys
from pathlib import Path

import pytest

from sim import load_scenario, run_model

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
STRATEGIES = ["case_reform", "add_marketplace", "cut_distributor_discount",
              "direct_takes_key_accounts", "exclusive_territories"]
SHIPPED = ["case_baseline", *STRATEGIES]
CLI = [sys.executable, "-m", "analysis.cli"]


def cli(*args, cwd=ROOT, timeout=600):
    """Run ``channelsim`` as a user would; the finished process (output captured)."""
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


@functools.cache
def scenario(name: str):
    path = SCENARIOS / f"{name}.yaml"
    if not path.exists():
        path = FIXTURES / f"{name}.yaml"
    return load_scenario(path)


@functools.cache
def model(name: str, seed: int, weeks: int | None = None):
    """A finished run, shared between tests (treat as read-only)."""
    return run_model(scenario(name), seed, weeks)


@pytest.fixture
def small():
    return scenario("small")


@pytest.fixture(scope="session")
def small_comparison(tmp_path_factory):
    """A stored comparison of the small market with two strategies (one with a pilot)."""
    from sim.experiments.compare import run_comparison
    from sim.experiments.engines import SerialEngine

    out = tmp_path_factory.mktemp("comparison")
    scs = {n: load_scenario(FIXTURES / f"{n}.yaml") for n in ("small", "small_cut", "small_pilot")}
    run_comparison(scs, "small", 4, 2, 52, out, SerialEngine())
    return out


def die_once(scenario, job, marker: str):
    """A job function whose worker process dies the first time it runs replication 1."""
    import os

    from sim.experiments.seeds import run_job

    if job.rep == 1 and not Path(marker).exists():
        Path(marker).write_text("died")
        os._exit(1)
    return run_job(scenario, job)


def stored_files(folder: Path) -> dict[str, bytes]:
    """Every stored table file under ``folder`` (blocks, their markers, staged replications),
    by relative path, with its bytes.

    Replications being written (hidden temporary folders, renamed when whole) are not
    stored yet, and may vanish while the folder is read during a run.
    """
    out = {}
    for p in sorted(q for pattern in ("*.parquet", "*.arrow", "block-*.json")
                    for q in folder.rglob(pattern)):
        rel = p.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        try:
            out[str(rel)] = p.read_bytes()
        except FileNotFoundError:
            continue
    return out


def one_kind_deals(n: int, segment: int, stride: int):
    """A deal book of ``n`` identical deals (customer 0, region 0, product 0, one unit) of
    one segment, decided in week 1, keyed ``1..n`` times ``stride``; returns (book, rows)."""
    import numpy as np

    from sim.market.deals import DealBook

    book = DealBook(capacity=n)
    rows = book.append(customer=np.zeros(n, dtype=np.int64), region=np.zeros(n, dtype=np.int64),
                       segment=np.full(n, segment), product=np.zeros(n, int),
                       units=np.ones(n), created=np.ones(n, int), decide=np.ones(n, int),
                       key=np.arange(1, n + 1, dtype=np.uint64) * np.uint64(stride),
                       spec_agent=np.full(n, -1), registered=np.full(n, -1),
                       winner=np.full(n, -1))
    return book, rows


def refused(result, *fragments, out=None):
    """The command refused cleanly: exit 2, one line on stderr holding every fragment."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for f in fragments:
        assert f in lines[0], lines[0]
    if out is not None:
        assert not out.exists(), f"{out} was written"
    return lines[0]
