"""The stress-test commands: sweep, sensitivity, discover, optimize.

Each parses its options and calls one study function of ``analysis.studies`` (which runs on
the engines of ``compare`` into a resumable folder and writes its tables, charts and
``study.json`` for ``report``), then prints what it found.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from analysis.cli.common import (
    load,
    local_workers,
    refusals,
    runs_from,
    show_notes,
    with_progress,
    writable_file,
)
from analysis.cli.options import (
    DaskLocal,
    NoUncertainty,
    Quiet,
    Reps,
    Scheduler,
    Seed,
    Weeks,
    Workers,
)

Scenario = Annotated[Path, typer.Argument(help="Scenario file.", metavar="FILE")]


def _study(work, start: dict, options: tuple, out: Path, quiet: bool, varied=(),
           horizon: int | None = None):
    """Check the study's start, run ``work(runs)`` with progress; print its notes; return it.

    Args:
        work: the study, called with its :class:`~analysis.studies.common.Runs`; it imports
            the study's libraries, so a refused command stops before loading them.
        start: the scenarios the study starts from, ``{its name for one: (file, scenario)}``.
        options: ``(reps, weeks, seed, (workers, scheduler, dask_local))``.
        out: the study's folder.
        quiet: no progress and no notes.
        varied: settings the study sets differently in the scenarios it builds (those are
            checked again once built).
        horizon: the weeks each run simulates, when not ``weeks`` or the first scenario's.

    """
    from sim.experiments.preflight import check_start

    reps, weeks, seed, engine_options = options
    sources = {name: str(f) for name, (f, _) in start.items()}
    scenarios = {name: sc for name, (_, sc) in start.items()}
    workers, scheduler, _ = engine_options
    with refusals():
        check_start(scenarios, horizon or weeks or next(iter(scenarios.values())).weeks,
                    local_workers(workers, scheduler), reps, sources, list(varied))

    def go(progress):
        return work(runs_from(reps, weeks, seed, engine_options, out, progress, sources))

    result = with_progress(go, quiet)
    show_notes(result.notes)
    return result


def _ranges(texts: list[str], option: str, steps: bool = False):
    from analysis.studies.common import parse_ranges

    with refusals():
        return parse_ranges(texts, option, steps)


def sweep(
    file: Scenario,
    vary: Annotated[list[str], typer.Option(
        metavar="PATH=LOW:HIGH:STEPS",
        help="PATH=LOW:HIGH:STEPS, e.g. policy.discounts.promo=0:0.1:5 (repeatable).")],
    samples: Annotated[int | None, typer.Option(
        min=2, metavar="N",
        help="Latin hypercube of this many points instead of the full grid.")] = None,
    reps: Reps = 10, weeks: Weeks = None, seed: Seed = 1, workers: Workers = None,
    scheduler: Scheduler = None, dask_local: DaskLocal = False,
    out: Annotated[Path, typer.Option(metavar="FOLDER", help="Result folder (resumable).")] = Path(
        "results/sweep"),
    quiet: Quiet = False,
):
    """Vary levers or uncertainties over a grid; turnover change and P(shrink) at each point."""
    base, varies = load(file), _ranges(vary, "--vary", steps=True)
    paths = [p for p, *_ in varies]

    def work(runs):
        from analysis.studies.sweep import run_sweep

        return run_sweep(base, varies, samples, runs)

    result = _study(work, {"base": (file, base)},
                    (reps, weeks, seed, (workers, scheduler, dask_local)), out, quiet, paths)
    from analysis.cli.terminal import print_study

    print_study(result, ["point", *paths, "turnover_change_pct", "p_shrink",
                                "margin_change_pct"], "sweep")


def sensitivity(
    file: Annotated[Path, typer.Argument(
        help="Scenario (the strategy, with --against).", metavar="FILE")],
    against: Annotated[Path | None, typer.Option(
        metavar="FILE", help="Baseline: outcomes become paired changes against it.")] = None,
    method: Annotated[str, typer.Option(
        metavar="NAME", help="tornado, morris or sobol.")] = "morris",
    samples: Annotated[int | None, typer.Option(
        min=2, metavar="N",
        help="Morris trajectories (default 10) or Sobol base samples (default 64).")] =
    None,
    output: Annotated[str, typer.Option(
        metavar="NAME",
        help="turnover, margin, p_shrink, conflicts_per_100_deals, top20_share, ...")] =
    "turnover",
    factor: Annotated[list[str] | None, typer.Option(
        metavar="PATH=LOW:HIGH",
        help="PATH=LOW:HIGH: also vary this setting (set on both sides if it is one of the "
             "baseline's uncertainties, else on the strategy only).")] = None,
    reps: Reps = 5, weeks: Weeks = None, seed: Seed = 1, workers: Workers = None,
    scheduler: Scheduler = None, dask_local: DaskLocal = False,
    out: Annotated[Path, typer.Option(metavar="FOLDER", help="Result folder (resumable).")] = Path(
        "results/sensitivity"),
    quiet: Quiet = False,
):
    """Which uncertainty (or lever) moves the outcome most: tornado, Morris or Sobol."""
    strategy = load(file)
    base = load(against) if against is not None else None
    extra = _ranges(factor or [], "--factor")

    def work(runs):
        from analysis.studies.sensitivity import run_sensitivity

        return run_sensitivity(strategy, base, method, samples, output, extra, runs)

    start = {"strategy": (file, strategy)}
    if base is not None:
        start["base"] = (against, base)
    result = _study(work, start, (reps, weeks, seed, (workers, scheduler, dask_local)), out,
                    quiet)
    from analysis.cli.terminal import print_study

    print_study(result, table="sensitivity")


def discover(
    baseline: Annotated[Path, typer.Argument(help="The baseline (declares uncertainties).",
                                             metavar="BASELINE")],
    strategy: Annotated[Path, typer.Argument(help="The strategy to stress-test.",
                                             metavar="STRATEGY")],
    samples: Annotated[int, typer.Option(min=10, metavar="N",
        help="Futures sampled (Latin hypercube).")] =
    100,
    reps: Reps = 3,
    threshold: Annotated[float, typer.Option(
        metavar="PERCENT",
        help="A future counts as shrinking when the mean turnover change is below this "
             "(percent).")] = 0.0,
    weeks: Weeks = None, seed: Seed = 1, workers: Workers = None,
    scheduler: Scheduler = None, dask_local: DaskLocal = False,
    out: Annotated[Path, typer.Option(metavar="FOLDER", help="Result folder (resumable).")] = Path(
        "results/discover"),
    quiet: Quiet = False,
):
    """Under which conditions does the strategy shrink turnover? Scenario discovery (PRIM)."""
    base, strat = load(baseline), load(strategy)

    def work(runs):
        from analysis.studies.discovery import run_discovery

        return run_discovery(base, strat, samples, threshold, runs)

    result = _study(work, {"base": (baseline, base), "strategy": (strategy, strat)},
                    (reps, weeks, seed, (workers, scheduler, dask_local)), out, quiet)
    from analysis.cli.terminal import print_study

    print_study(result)


def optimize(
    file: Annotated[Path, typer.Argument(help="The starting scenario.", metavar="FILE")],
    lever: Annotated[list[str], typer.Option(
        metavar="PATH=LOW:HIGH", help="PATH=LOW:HIGH, a lever to search (repeatable).")],
    objective: Annotated[str, typer.Option(
        metavar="NAME", help="turnover or margin.")] = "turnover",
    max_p_shrink: Annotated[float, typer.Option(
        min=0.0, max=1.0, metavar="SHARE",
        help="Largest acceptable share of futures where turnover falls "
                               "below the start.")] = 0.1,
    trials: Annotated[int, typer.Option(min=2, metavar="N", help="Settings to try.")] = 30,
    batch: Annotated[int, typer.Option(min=1, metavar="N", help="Settings tried at once.")] = 4,
    reps: Reps = 5, weeks: Weeks = None, seed: Seed = 1, workers: Workers = None,
    scheduler: Scheduler = None, dask_local: DaskLocal = False,
    out: Annotated[Path, typer.Option(metavar="FOLDER", help="Result folder (resumable).")] = Path(
        "results/optimize"),
    save: Annotated[Path | None, typer.Option(
        metavar="FILE",
        help="Scenario file for the best setting (default: OUT/best.yaml).")] = None,
    no_uncertainty: NoUncertainty = False, quiet: Quiet = False,
):
    """Search the levers for the best turnover (or margin) with P(shrink) kept low (Optuna)."""
    sc = load(file)
    ranges = _ranges(lever, "--lever")
    if save is not None:
        writable_file(save, "--save")

    def work(runs):
        from analysis.studies.optimize import Goal, Lever, run_optimize

        goal = Goal(objective, max_p_shrink, trials, batch, not no_uncertainty)
        levers = [Lever(p, lo, hi) for p, lo, hi, _ in ranges]
        return run_optimize(sc, file, levers, goal, runs, save)

    result = _study(work, {"base": (file, sc)},
                    (reps, weeks, seed, (workers, scheduler, dask_local)), out, quiet)
    from analysis.cli.terminal import print_study

    print_study(result)


def breakeven(
    folder: Annotated[Path, typer.Argument(
        help="A finished compare folder (its --out).", metavar="DIR")],
    reps: Annotated[int | None, typer.Option(
        metavar="N",
        help="Futures per evaluation (default: the comparison's; its first seeds).")] = None,
    steps: Annotated[int, typer.Option(min=0, max=6, metavar="N",
                                       help="Bisection steps per uncertainty.")] = 6,
    budget: Annotated[int | None, typer.Option(
        min=1, metavar="RUNS",
        help="The most simulation runs to spend (fewer bisection steps if needed).")] = None,
    workers: Workers = None, quiet: Quiet = False,
):
    """Where each strategy's change in turnover after its start crosses zero, per uncertainty."""
    from analysis.cli.common import engine_from
    from analysis.studies.breakeven import load_comparison

    with refusals():
        load_comparison(folder)         # a bad folder is refused before any engine starts
    run_and_say_breakeven(folder, reps, steps, budget, engine_from(workers, None, False), quiet)


def run_and_say_breakeven(folder: Path, reps, steps, budget, engine, quiet) -> None:
    """Run break-even on a comparison folder, write breakeven.json, print the findings."""
    from analysis.cli.common import command_line
    from analysis.studies.breakeven import run_breakeven, save_breakeven

    result = with_progress(lambda progress: run_breakeven(
        folder, reps, steps, budget, engine, progress), quiet)
    path = save_breakeven(result, command_line())
    for line in result.lines:
        typer.echo(line)
    typer.echo(f"{result.runs} runs (stored ones reused); breakeven.json in {path.parent}/")
