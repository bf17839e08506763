"""Loading stored results."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.dataset import BLOCK
from sim.experiments.store import ResultStore, StoreError

PLACEBO_FILE = "placebo.npz"     # the pilots' placebo (``analysis.studies.placebo``)
CHUNK = BLOCK                    # futures read at once where a table is read in parts


def load_results(path: str | Path, table: str = "kpis",  # noqa: PLR0913 - the reader's options
                 columns: list[str] | None = None, scenarios: list[str] | None = None,
                 categories: bool = False, reps: range | None = None) -> pd.DataFrame:
    """All replications of a comparison as one table: ``scenario, rep, week, ...``.

    Only the files of the scenarios asked for are opened, and only the columns asked for
    are read from them.

    Args:
        path: the ``--out`` folder of ``channelsim compare``.
        table: ``kpis`` (default), ``by_region``, ``conflicts``, ``agents``, ``flows`` or
            ``deals``.
        columns: the table's columns (default: all); ``scenario`` and ``rep`` come first.
        scenarios: the scenarios (default: all).
        categories: text columns as pandas categories (a fraction of the memory).
        reps: the replications (default: all).

    """
    return ResultStore(Path(path)).read(table, columns, scenarios, categories, reps)


def load_manifest(path: str | Path) -> dict:
    """The manifest of a comparison folder (seed, weeks, scenarios, rollouts)."""
    return ResultStore(Path(path)).manifest()


def read_placebo(root: Path, cube: bool = True) -> tuple[dict | None, dict | None]:
    """The stored placebo of a comparison folder: its description and cube, or Nones.

    With ``cube=False`` only the description is read (the archive's members load lazily).
    """
    path = Path(root) / PLACEBO_FILE
    if not path.is_file():
        return None, None
    with np.load(path) as data:
        meta = json.loads(str(data["meta"]))
        return meta, ({m: data[m] for m in data.files if m != "meta"} if cube else None)


class Results:
    """A comparison folder with its tables loaded once, on first use."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.manifest = load_manifest(self.path)
        self._tables: dict[str, pd.DataFrame] = {}

    def table(self, name: str) -> pd.DataFrame:
        """One table of every replication, text as categories.

        ``kpis``, ``by_region``, ``conflicts``, ``agents``, ``flows`` or ``deals``; categories
        slice large tables many times faster than strings, and group in the same order.
        """
        if name not in self._tables:
            self._tables[name] = load_results(self.path, name, categories=True)
        return self._tables[name]

    def has(self, name: str) -> bool:
        """True when the folder holds table ``name`` (older versions lack some)."""
        try:
            load_results(self.path, name, columns=["week"], reps=range(BLOCK))
        except StoreError:
            return False
        return True

    def chunks(self, name: str, scenarios: list[str],
               columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        """Table ``name`` of ``scenarios``, ``CHUNK`` futures at a time (text as categories).

        For tables too large to hold whole; groups of futures with nothing stored (an
        unfinished comparison) are skipped.
        """
        for start in range(0, int(self.manifest["reps"]), CHUNK):
            try:
                yield load_results(self.path, name, columns, scenarios, categories=True,
                                   reps=range(start, start + CHUNK))
            except StoreError as exc:
                if "holds no results" not in str(exc):
                    raise

    @property
    def kpis(self) -> pd.DataFrame:
        """The weekly KPIs of every scenario and replication."""
        return self.table("kpis")

    @property
    def scenarios(self) -> list[str]:
        """Scenario names, baseline first."""
        return list(self.manifest["order"])

    @property
    def baseline(self) -> str:
        """The baseline's name."""
        return self.manifest["baseline"]

    @property
    def currency(self) -> str:
        """The baseline's currency."""
        return self.manifest["scenarios"][self.baseline]["currency"]

    def rollout(self, name: str) -> dict | None:
        """Pilot and rollout weeks of a strategy (None for the baseline)."""
        return self.manifest["scenarios"][name]["rollout"]

    def placebo(self) -> tuple[dict, dict[str, np.ndarray]] | tuple[None, None]:
        """The pilots' placebo stored beside the results (Nones when none was run)."""
        return read_placebo(self.path)
