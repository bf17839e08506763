"""What every study shares: how it runs, what it returns, and its progress count.

A study (sweep, sensitivity, discovery, optimisation, calibration) is a function of the
scenarios and its own settings plus a :class:`Runs` (futures, horizon, seed, engine,
folder, progress); it runs on the engines of ``compare`` into a resumable folder, writes
its tables, charts and ``study.json`` there, and returns a :class:`StudyResult` whose
sentences say what it found. The command line only parses, calls and prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.errors import UserError
from sim.experiments.preflight import check_runs

# The study's libraries (runs, charts, report files) are imported where they are used, so a
# command that is refused by its checks stops before loading them.


class StudyError(UserError, ValueError):
    """A study's settings cannot give an answer; the message says which and why."""


@dataclass
class Runs:
    """How a study runs.

    Attributes:
        reps: replications (simulated futures) per point.
        weeks: weeks per replication (None: the scenario's own horizon).
        seed: the study's seed (replication seeds spawn from it).
        engine: ``"serial"``, ``"processes"``, ``"dask"`` or an engine object.
        out: the study's folder (resumable: a rerun skips what is stored).
        progress: called as ``progress(job, done, total)`` after each stored run.
        command: the command line that reproduces the study (shown in its report).
        workers: replications running at once on this machine (for the memory check).
        sources: the file each scenario came from, by the study's name for it (``base``,
            ``strategy``, ``model``); the first names the variants a study builds.

    """

    reps: int = 5
    weeks: int | None = None
    seed: int = 1
    engine: object = "processes"
    out: Path = Path("results/study")
    progress: Callable | None = None
    command: str = ""
    workers: int = 1
    sources: dict[str, str] = field(default_factory=dict)

    def horizon(self, scenario) -> int:
        """The weeks to simulate for ``scenario``."""
        return self.weeks or scenario.weeks

    def check(self, scenarios: dict, weeks: int, tables: bool = False) -> list[str]:
        """Refuse what cannot run here (PreflightError naming the file); notes if partial.

        ``tables``: the study keeps every run's tables (a sweep) rather than outcomes.
        """
        main = next(iter(self.sources.values()), None)
        named = {n: self.sources.get(n) or main or n for n in scenarios}
        return check_runs(scenarios, weeks, self.workers, self.reps, tables, named)

    def open(self, kind: str, scenarios: dict, weeks: int, settings: dict):
        """The study's folder (StoreError if it holds another study)."""
        from sim.experiments.designs import open_study

        return open_study(self.out, kind, scenarios, self.reps, self.seed, weeks, settings)


@dataclass
class StudyResult:
    """What a study found, as written to its folder.

    Attributes:
        kind: ``sweep``, ``sensitivity``, ``discover``, ``optimize`` or ``calibrate``.
        title, subtitle: the report's heading and one line on what was run.
        sentences: the findings, headline first.
        tables: tables by file stem, in the order the report shows them.
        figures: matplotlib figures by file stem (closed once saved).
        folder: the study's folder.
        loss: True when the headline is a risk to turnover (the report marks it red).
        written: scenario files the study wrote (an optimum, a calibrated baseline).
        notes: what a partial horizon leaves out.

    """

    kind: str
    title: str
    subtitle: str
    sentences: list[str]
    tables: dict[str, pd.DataFrame]
    figures: dict
    folder: Path
    loss: bool = False
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def save(self, command: str = "") -> StudyResult:
        """Write the tables (CSV), charts (PNG) and ``study.json`` to the folder."""
        from analysis.report.study_files import save_study

        save_study(self, command)
        return self

    def table(self, name: str) -> pd.DataFrame:
        """One of the study's tables."""
        return self.tables[name]


class Tally:
    """One progress count over several engine runs (a search runs a batch at a time).

    ``part(n)`` gives the progress callback of the next run of ``n`` jobs: its counts carry
    on from the runs before, against ``total`` (raised if the runs turn out to be more).
    """

    def __init__(self, progress, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def part(self, n: int):
        """The callback for the next ``n`` jobs (None when nobody listens)."""
        first = self.done
        self.done += n
        self.total = max(self.total, self.done)
        if self.progress is None:
            return None

        def update(job, done: int, _total: int) -> None:
            self.progress(job, first + done, self.total)

        return update


def parse_vary(text: str) -> tuple[str, float, float, int]:
    """``PATH=LOW:HIGH:STEPS`` (or ``PATH=LOW:HIGH`` for sampling) as a tuple.

    Raises:
        ValueError: with a message saying what is wrong.

    """
    path, sep, spec = text.partition("=")
    parts = spec.split(":")
    if not sep or not path or len(parts) not in (2, 3):
        raise ValueError(f"'{text}': expected PATH=LOW:HIGH:STEPS")
    try:
        low, high = float(parts[0]), float(parts[1])
        steps = int(parts[2]) if len(parts) == 3 else 0
    except ValueError:
        raise ValueError(f"'{text}': LOW and HIGH must be numbers, STEPS a whole number") from None
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise ValueError(f"'{text}': LOW must be below HIGH")
    if len(parts) == 3 and steps < 2:
        raise ValueError(f"'{text}': STEPS must be at least 2")
    return path, low, high, steps


def parse_ranges(texts: list[str], option: str, steps: bool = False) -> list[tuple]:
    """``PATH=LOW:HIGH[:STEPS]`` settings as ``(path, low, high, steps)`` (StudyError)."""
    out = []
    for text in texts:
        try:
            path, lo, hi, n = parse_vary(text)
        except ValueError as exc:
            raise StudyError(f"{option} {exc}") from None
        if n and not steps:
            raise StudyError(f"{option} '{text}': expected PATH=LOW:HIGH")
        out.append((path, lo, hi, n))
    return out


def check_paths(scenario, paths: list[str], option: str) -> None:
    """StudyError with one line per path that is not a numeric setting of ``scenario``."""
    from sim.scenario.schema import check_numeric_path

    problems = []
    for p in paths:
        try:
            check_numeric_path(scenario, p)
        except ValueError as exc:
            problems.append(f"{option} {p}: {exc}")
    if problems:
        raise StudyError("\n".join(problems))
