"""The ``calibrate`` command: fit a scenario's settings to a client's sales history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from analysis.cli.common import load, refusals, writable_file
from analysis.cli.options import DaskLocal, Quiet, Scheduler, Seed, Workers
from analysis.cli.studies import _ranges, _study


def calibrate(
    file: Annotated[Path, typer.Argument(help="The scenario to calibrate (the baseline).",
                                         metavar="FILE")],
    history: Annotated[Path, typer.Option(
        metavar="FILE", help="The client's history (CSV or .xlsx).")],
    fit: Annotated[list[str], typer.Option(
        metavar="PATH=LOW:HIGH", help="PATH=LOW:HIGH, a setting to fit (repeatable).")],
    reps: Annotated[int, typer.Option(min=2, metavar="N", help="Replications per candidate.")] = 5,
    budget: Annotated[int | None, typer.Option(
        min=10, metavar="N",
        help="Candidates the search may try (default: 20 + 40 per --fit setting).")
    ] = None,
    holdout: Annotated[int, typer.Option(
        min=0, metavar="MONTHS",
        help="Keep the last N months out of the fit and check the forecast on them.")] =
    0,
    omega_runs: Annotated[int | None, typer.Option(
        min=2, metavar="RUNS",
        help="Runs on separate seeds for the moments' covariance (default: 10 per "
        "tested moment; fewer leave the fit test out).")] = None,
    out: Annotated[Path, typer.Option(
        metavar="FILE", help="The calibrated scenario file to write.")] = Path(
        "calibrated.yaml"),
    also: Annotated[list[Path] | None, typer.Option(
        metavar="FILE", help="A strategy to calibrate the same way (written beside --out as "
             "<name>_calibrated.yaml); repeatable.")] = None,
    results: Annotated[Path, typer.Option(
        metavar="FOLDER", help="Study folder (resumable).")] = Path(
        "results/calibrate"),
    seed: Seed = 1, workers: Workers = None, scheduler: Scheduler = None,
    dask_local: DaskLocal = False, quiet: Quiet = False,
    seasons: Annotated[bool, typer.Option(
        help="Fit market.seasonality from the history where its month effects are more "
             "than luck (F test at 5%, 24 months or more).")] = True,
    fit_roster: Annotated[bool, typer.Option(
        help="On a client's roster, solve the calibrated scenario's starting points again "
             "(fit-roster): the fitted market changes what each agent sells.")] = True,
):
    """Fit settings to a sales history (simulated method of moments); write the scenario."""
    from analysis.studies.history import read_history
    from sim.experiments.history import weeks_for

    sc = load(file)
    strategies = {f: load(f) for f in also or []}
    writable_file(out, "--out")
    ranges = _ranges(fit, "--fit")
    with refusals():        # the history's months are the horizon the checks need
        months = len(read_history(history).months)

    def work(runs):
        from analysis.studies.calibrate_scenario import Fitting, calibrate_scenario
        from analysis.studies.calibration import Parameter

        params = [Parameter(p, lo, hi) for p, lo, hi, _ in ranges]
        fitting = Fitting(params, budget, holdout, strategies, omega_runs, seasons)
        return calibrate_scenario(sc, file, history, fitting, out, runs)

    result = _study(work, {"model": (file, sc)}, (reps, None, seed,
                    (workers, scheduler, dask_local)), results, quiet, horizon=weeks_for(months))
    from analysis.cli.terminal import print_study

    print_study(result)
    if fit_roster and sc.network.roster is not None and out.exists():
        from analysis.cli.client import solve_file

        solve_file(out)
