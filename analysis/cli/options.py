"""Options several commands share, written once (type, range and help)."""

from __future__ import annotations

from typing import Annotated

import typer

from sim.scenario.market import MAX_WEEKS

Reps = Annotated[int, typer.Option(
    min=1, metavar="N", help="Replications (simulated futures) per point.")]
Weeks = Annotated[int | None, typer.Option(
    min=1, max=MAX_WEEKS, metavar="WEEKS", help="Weeks per replication (default: the scenario's).")]
Seed = Annotated[int, typer.Option(min=0, metavar="N", help="Seed of the whole run.")]
Workers = Annotated[int | None, typer.Option(
    min=1, metavar="N", help="Local worker processes (default: all cores; 1 runs serially).")]
Scheduler = Annotated[str | None, typer.Option(
    metavar="ADDRESS", help="Address of a Dask scheduler to run on, e.g. tcp://host:8786.")]
DaskLocal = Annotated[bool, typer.Option("--dask-local",
                                         help="Start a Dask LocalCluster here and run on it.")]
Quiet = Annotated[bool, typer.Option(
    "--quiet", help="No progress output; results and errors are still printed.")]
NoUncertainty = Annotated[bool, typer.Option(
    "--no-uncertainty", help="Do not draw the baseline's uncertainties.")]

