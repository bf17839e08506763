"""The client's own files: ``init`` writes a baseline from them, ``fit-roster`` solves it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from analysis.cli.common import load, refusals, writable_file

ROOT = Path(__file__).resolve().parents[2]
# roster_fit's defaults, written here so that the command line starts without the model
# (tests/test_client.py keeps them equal)
CHECK_REPS, STEPS, FIT_SEEDS = 20, 24, 30
TEMPLATE = ROOT / "scenarios" / "case_baseline.yaml"
Reps = Annotated[int, typer.Option(min=2, metavar="N",
    help="Futures of the check (not used in the fit).")]
Steps = Annotated[int, typer.Option(min=1, metavar="N", help="Steps of the solve.")]
FitSeeds = Annotated[int, typer.Option(min=1, metavar="N",
    help="Futures the solve fits on (common random numbers across its steps).")]


def _file(help_: str):
    return typer.Option(metavar="FILE", help=help_, exists=True, dir_okay=False, readable=True)


def init(
    roster: Annotated[Path, _file("The client's roster (CSV or .xlsx).")],
    out: Annotated[Path, typer.Option(metavar="FILE", help="The baseline scenario to write.")],
    accounts: Annotated[Path | None, _file("The client's accounts (CSV or .xlsx).")] = None,
    prices: Annotated[Path | None, _file("The price list: product, list_price, unit_cost "
                                         "[, complexity, stocked].")] = None,
    history: Annotated[Path | None, _file("A sales history, for calibrate next.")] = None,
    template: Annotated[Path, _file("The scenario whose behaviour, choice and policy the "
                                    "baseline takes.")] = TEMPLATE,
    also: Annotated[list[Path] | None, typer.Option(
        metavar="FILE",
        help="A strategy to write on the client's network too (as <out>_<strategy>.yaml); "
             "repeatable.", exists=True, dir_okay=False)] = None,
    fit: Annotated[bool, typer.Option(help="Solve the starting points to reproduce the "
                                      "roster (fit-roster).")] = True,
    reps: Reps = CHECK_REPS, steps: Steps = STEPS, fit_seeds: FitSeeds = FIT_SEEDS,
):
    """Write a baseline scenario from the client's files, then solve it to the roster."""
    from analysis.studies.init_client import ClientFiles, build_baseline, strategy_for_client

    writable_file(out, "--out")
    for s in also or []:
        load(s)
    with refusals():
        made = build_baseline(ClientFiles(roster, accounts, prices, history), out, template)
    typer.echo(f"wrote {made.path}; assumed:")
    for line in made.assumed:
        typer.echo(f"  - {line}")
    if fit:
        solve_file(made.path, reps, steps, fit_seeds)
    for s in also or []:
        with refusals():
            typer.echo(f"wrote {strategy_for_client(made.path, s)}")
    typer.echo(f"next: channelsim validate {made.path}; channelsim calibrate {made.path} "
               "--history <your history> --fit ...")


def fit_roster(
    file: Annotated[Path, typer.Argument(help="A scenario with network.roster.",
                                         metavar="FILE")],
    reps: Reps = CHECK_REPS, steps: Steps = STEPS, fit_seeds: FitSeeds = FIT_SEEDS,
):
    """Solve each roster agent's starting point so the first simulated year matches it."""
    load(file)
    solve_file(file, reps, steps, fit_seeds)


def solve_file(path: Path, reps: int = CHECK_REPS, steps: int = STEPS,
               fit_seeds: int = FIT_SEEDS) -> None:
    """Solve the scenario at ``path`` to its roster; write the files beside it, name them."""
    from analysis.studies.init_client import name_solved
    from analysis.studies.roster_fit import fit_lines, fit_roster, write_fit

    sc = load(path)
    with refusals():
        solved, fit = fit_roster(sc, fit_seeds=fit_seeds, check_reps=reps,
                                    iterations=steps)
    files = write_fit(path, solved, fit)
    if sc.network.solved is None or Path(sc.network.solved) != files["solved"].resolve():
        name_solved(path, files["solved"])
    for line in fit_lines(fit):
        typer.echo(line)
    typer.echo(f"wrote {files['solved']}, {files['table'].name} and {files['chart'].name}")
