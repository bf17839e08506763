"""Loading stored results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.store import ResultStore


def load_results(path: str | Path, table: str = "kpis") -> pd.DataFrame:
    """All replications of a comparison as one table: ``scenario, rep, week, ...``.

    Args:
        path: the ``--out`` folder of ``channelsim compare``.
        table: ``kpis`` (default), ``by_region``, ``conflicts`` or ``agents``.

    """
    return ResultStore(Path(path)).read(table)


def load_manifest(path: str | Path) -> dict:
    """The manifest of a comparison folder (seed, weeks, scenarios, rollouts)."""
    return ResultStore(Path(path)).manifest()
