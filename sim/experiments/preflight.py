"""Checks made before the first replication runs: horizon against rollout, and memory.

A command that would run for minutes and then fail (a horizon that ends before the
strategy starts, a run that cannot fit in memory) is refused at once with one line
saying what to change; a horizon that is meaningful but partial (it ends during the
pilot) is accepted with a note that the command prints.

The memory estimate is a sum of measured costs (``docs/robustness.md`` shows it against
measured peaks): the interpreter with its libraries, each customer, each deal of the run
(the deal book keeps every deal), each agent-week of the output tables, and the week's
largest temporary, the deals-by-agents reach draw. The memory this process may use is
the container's own limit (cgroup ``memory.max``, or v1 ``memory.limit_in_bytes``) less
what it already uses, or the machine's available memory, whichever is smaller.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from sim.errors import UserError
from sim.scenario import Scenario
from sim.vocab import SEGMENTS, WEEKS_PER_QUARTER, WEEKS_PER_YEAR

# Measured on the development machine (Python 3.12, numpy 2, pandas 3; see the docs).
BASE_BYTES = 290e6            # interpreter, numpy, pandas, Mesa, numba and the model's kernels
PER_CUSTOMER = 300.0          # a Mesa agent and its rows
PER_DEAL = 170.0              # a row of the deal book (fields, growth headroom)
PER_AGENT_WEEK = 300.0        # the agents table: ledger rows, DataFrame, Parquet buffers
PER_BID_CELL = 48.0           # reach draw: a float and masks per (deal, agent) pair a week
PER_ROW_LOADED = 320.0        # a row of a stored table read back for a comparison
MEMORY_ENV = "CHANNELSIM_MEMORY_LIMIT"   # bytes: pretend the machine has this much


def _agents(sc: Scenario) -> int:
    net = sc.network
    n = net.distributors + sum(net.partners.values()) + net.direct_reps + int(net.marketplace)
    if sc.rollout is not None:
        adds = sum(c.count for c in sc.rollout.network_changes if c.action == "add")
        n += adds * len(sc.market.regions)
    return n


def weekly_deals(sc: Scenario, weeks: int) -> float:
    """Expected deals per week on average over ``weeks`` (with the market's growth)."""
    m = sc.market
    rate = sum(m.segment_shares[s] * m.deal_rate[s] for s in SEGMENTS) * m.customers
    years = max(weeks, 1) / WEEKS_PER_YEAR
    if abs(m.growth) < 1e-9:
        return rate
    try:  # the mean of (1 + g)^t over t in [0, years]
        mean_factor = math.expm1(years * math.log1p(m.growth)) / (years * math.log1p(m.growth))
    except OverflowError:
        return math.inf
    return rate * mean_factor


def run_bytes(sc: Scenario, weeks: int) -> float:
    """Estimated peak memory (bytes) of one run of ``sc`` over ``weeks`` in one process."""
    total_weeks = weeks + sc.behaviour.warmup_weeks
    per_week = weekly_deals(sc, total_weeks)
    agents = _agents(sc)
    return (BASE_BYTES + PER_CUSTOMER * sc.market.customers
            + PER_DEAL * per_week * total_weeks + PER_AGENT_WEEK * agents * weeks
            + PER_BID_CELL * per_week * agents)


def analysis_bytes(scenarios: list[Scenario], weeks: int, reps: int) -> float:
    """Estimated peak memory of reading a comparison's stored tables for its summary."""
    rows = 0.0
    for sc in scenarios:
        regions = len(sc.market.regions)
        rows += reps * weeks * (1 + regions * (len(SEGMENTS) + 1) + 10 + _agents(sc))
    return BASE_BYTES + PER_ROW_LOADED * rows


def available_bytes() -> int:
    """Memory this process may still use: the container's limit, else the machine's."""
    forced = os.environ.get(MEMORY_ENV)
    if forced:
        return int(float(forced))
    limits = [_meminfo("MemAvailable")]
    limit, used = _cgroup_limit()
    if limit is not None:
        limits.append(limit - (used or 0))
    known = [x for x in limits if x is not None and x > 0]
    return int(min(known)) if known else 1 << 62


def _meminfo(field: str) -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _cgroup_limit() -> tuple[int | None, int | None]:
    """(limit, current usage) of this process's memory cgroup, v2 or v1 (None: no limit)."""
    root = Path("/sys/fs/cgroup")
    own = ""
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            parts = line.split(":", 2)
            if len(parts) == 3 and parts[0] == "0":
                own = parts[2].lstrip("/")
    except OSError:
        pass
    for folder in (root / own, root):
        limit = _read_int(folder / "memory.max")
        if limit is not None:
            return limit, _read_int(folder / "memory.current")
    limit = _read_int(root / "memory" / "memory.limit_in_bytes")
    if limit is not None and limit < 1 << 60:
        return limit, _read_int(root / "memory" / "memory.usage_in_bytes")
    return None, None


def memory_problem(needed: float, what: str) -> str | None:
    """Why a job needing ``needed`` bytes cannot run here (None when it fits)."""
    have = available_bytes()
    if needed <= have:
        return None
    return (f"{what} needs about {needed / 1e9:.1f} GB; this machine has {have / 1e9:.1f} GB "
            "available: fewer weeks, customers or replications (--weeks, market.customers, "
            "--reps; or fewer --workers)")


def horizon_problem(sc: Scenario, weeks: int) -> str | None:
    """Why ``weeks`` is no horizon for this strategy (None when it is)."""
    ro = sc.rollout
    if ro is None or weeks >= ro.start_week():
        return None
    return (f"the horizon ({weeks} weeks) ends before {sc.name} starts (week "
            f"{ro.start_week()}); simulate at least {ro.start_week() + WEEKS_PER_QUARTER - 1} "
            "weeks to see a "
            "quarter under it")


def horizon_note(sc: Scenario, weeks: int) -> str | None:
    """What a meaningful but partial horizon leaves out (None when nothing is left out)."""
    ro = sc.rollout
    if ro is None:
        return None
    if ro.pilot_regions and weeks < ro.full_week:
        return (f"{sc.name}: the horizon ({weeks} weeks) ends before the full rollout (week "
                f"{ro.full_week}): only the pilot (weeks {ro.pilot_week}-{weeks}) is "
                "simulated, and the rollout's figures are left out")
    after = weeks - ro.start_week() + 1
    if after < WEEKS_PER_QUARTER:
        return (f"{sc.name}: only {after} week(s) of the horizon run under the strategy; "
                "the figures after its start cover just those weeks")
    return None


class PreflightError(UserError, ValueError):
    """A job refused before it runs; the message is one line saying what to change."""


def check_runs(scenarios: dict[str, Scenario], weeks: int, workers: int = 1, reps: int = 1,
               stored_tables: bool = True, sources: dict[str, str] | None = None) -> list[str]:
    """Refuse a job that cannot give an answer here; return the notes on a partial one.

    Args:
        scenarios: the scenarios to run, by name.
        weeks: the horizon of every run.
        workers: replications running at once (one per worker process).
        reps: replications of each scenario.
        stored_tables: the job keeps every run's tables and reads them back (a comparison);
            False for studies that keep scalar outcomes.
        sources: the file each scenario came from, to name in messages.

    Raises:
        PreflightError: the horizon ends before a strategy starts, or the job needs more
            memory than this machine has.

    """
    sources = sources or {}
    _check_horizons(scenarios, weeks, sources)
    _check_memory(scenarios, weeks, (workers, reps), stored_tables, sources)
    return [n for n in (horizon_note(sc, weeks) for sc in scenarios.values()) if n]


# Settings that size a run in the memory estimate, and those that move a strategy's start.
SIZE_PATHS = ("market.customers", "market.deal_rate.", "market.segment_shares.",
              "market.growth", "behaviour.warmup_weeks", "network.", "rollout.network_changes.")
START_PATHS = ("rollout.",)


def check_start(scenarios: dict[str, Scenario], weeks: int, workers: int, reps: int,
                sources: dict[str, str], varied: list[str]) -> None:
    """Refuse a study from the files it starts from, before any point of it is built.

    A study runs variants of its scenarios (a grid, sampled futures, trial settings), and
    building them needs the heavy libraries; what the variants cannot change is checked
    here first, in the time it takes to load the files: each horizon against its rollout
    unless a ``varied`` setting moves a start, and the memory of the runs held at once
    unless one sizes a run. The study checks its built variants again (:func:`check_runs`).

    Raises:
        PreflightError: as :func:`check_runs`, naming the file.

    """
    def varies(prefixes: tuple[str, ...]) -> bool:
        return any(p.startswith(prefixes) for p in varied)

    if not varies(START_PATHS):
        _check_horizons(scenarios, weeks, sources)
    if not varies(SIZE_PATHS):
        _check_memory(scenarios, weeks, (workers, reps), False, sources)


def _check_horizons(scenarios: dict[str, Scenario], weeks: int, sources: dict) -> None:
    for name, sc in scenarios.items():
        why = horizon_problem(sc, weeks)
        if why is not None:
            raise PreflightError(f"{sources.get(name, name)}: {why}")


def _check_memory(scenarios: dict[str, Scenario], weeks: int, runs: tuple[int, int],
                  stored_tables: bool, sources: dict) -> None:
    workers, reps = runs
    sizes = {name: run_bytes(sc, weeks) for name, sc in scenarios.items()}
    largest = max(sizes, key=sizes.__getitem__)
    parallel = workers > 1
    needed = (BASE_BYTES if parallel else 0.0) + min(workers, reps * len(scenarios)) * sizes[
        largest]
    problem = memory_problem(needed, f"{'each run' if workers == 1 else f'{workers} runs at once'}"
                                     f" of {weeks} weeks")
    if problem is None and stored_tables:
        problem = memory_problem(analysis_bytes(list(scenarios.values()), weeks, reps),
                                 f"reading {reps} replications of {len(scenarios)} scenarios")
    if problem is not None:
        raise PreflightError(f"{sources.get(largest, largest)}: {problem}")
