"""The stress-test commands: sweep, sensitivity, discover, optimize.

Each runs on the engines of ``compare`` (processes by default, Dask on request), into a
resumable folder, and ends with its tables, charts and ``study.json`` for ``report``.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from analysis.cli import _load, _run, app, engine_from, fail, local_workers, preflight, run_engine
from sim.scenario.market import MAX_WEEKS

Reps = Annotated[int, typer.Option(min=1, help="Replications (futures) per point.")]
Weeks = Annotated[int | None, typer.Option(min=1, max=MAX_WEEKS, help="Weeks per replication.")]
Seed = Annotated[int, typer.Option(min=0, help="Seed of the whole study.")]
Workers = Annotated[int | None, typer.Option(
    min=1, help="Local worker processes (default: all cores; 1 runs serially).")]
Scheduler = Annotated[str | None, typer.Option(help="Address of a Dask scheduler.")]
DaskLocal = Annotated[bool, typer.Option("--dask-local", help="Run on a Dask LocalCluster.")]
Quiet = Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")]


def _command() -> str:
    return "channelsim " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def _ranges(texts: list[str], option: str, steps: bool = False) -> list[tuple]:
    """Parse ``PATH=LOW:HIGH[:STEPS]`` options, or exit 2 naming the bad one."""
    from sim.sweep import parse_vary

    out = []
    for text in texts:
        try:
            path, lo, hi, n = parse_vary(text)
        except ValueError as exc:
            fail(f"{option} {exc}")
        if n and not steps:
            fail(f"{option} '{text}': expected PATH=LOW:HIGH")
        out.append((path, lo, hi, n))
    return out


def _check_paths(scenario, paths: list[str], option: str) -> None:
    """Exit 2 with one line per path that is not a numeric setting of ``scenario``."""
    from sim.scenario.schema import check_numeric_path

    problems = []
    for p in paths:
        try:
            check_numeric_path(scenario, p)
        except ValueError as exc:
            problems.append(f"{option} {p}: {exc}")
    if problems:
        fail("\n".join(problems))


def writable_file(path: Path, option: str) -> None:
    """Exit 2 now, before any run, if ``path`` could not be written as a file."""
    if path.is_dir():
        fail(f"{option} {path}: is a folder; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe = path.with_name(f".{path.name}.probe")
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        fail(f"{option} {path}: cannot write ({exc.strerror or exc.__class__.__name__})")


def write_study(folder: Path, *args, **kwargs) -> None:
    """:func:`analysis.study.save_study`, exiting 2 with one line if the disk refuses."""
    from analysis.study import save_study

    try:
        save_study(folder, *args, **kwargs)
    except OSError as exc:
        fail(f"{folder}: cannot write the study's files "
             f"({exc.strerror or exc.__class__.__name__}); the runs stored are intact")


def write_scenario(target: Path, *args) -> None:
    """:func:`sim.scenario.writer.write_extending`, exiting 2 if the file cannot be written."""
    from sim.scenario.writer import write_extending

    try:
        write_extending(target, *args)
    except OSError as exc:
        fail(f"{target}: cannot write ({exc.strerror or exc.__class__.__name__})")


def open_folder(out: Path, kind: str, scenarios: dict, reps: int, seed: int, weeks: int,
                settings: dict):
    """Create or reopen a study folder, or exit 2 saying why it cannot be used."""
    from sim.points import open_study
    from sim.store import StoreError

    try:
        return open_study(out, kind, scenarios, reps, seed, weeks, settings)
    except StoreError as exc:
        fail(str(exc))


def _run_points(scenarios, points, reps, seed, weeks, store, engine, quiet):
    from sim.points import run_points

    return run_engine(lambda progress: run_points(scenarios, points, reps, seed, weeks, store,
                                                  engine, progress=progress), quiet)


@app.command()
def sweep(
    file: Annotated[Path, typer.Argument(help="Scenario to vary.")],
    vary: Annotated[list[str], typer.Option(
        help="PATH=LOW:HIGH:STEPS, e.g. policy.discounts.promo=0:0.1:5 (repeatable).")],
    samples: Annotated[int | None, typer.Option(
        min=2, help="Latin hypercube of this many points instead of the full grid.")] = None,
    reps: Reps = 10, weeks: Weeks = None, seed: Seed = 1, workers: Workers = None,
    scheduler: Scheduler = None, dask_local: DaskLocal = False,
    out: Annotated[Path, typer.Option(help="Result folder (resumable).")] = Path(
        "results/sweep"),
    quiet: Quiet = False,
):
    """Vary levers or uncertainties over a grid; turnover change and P(shrink) at each point."""
    from sim.scenario import ScenarioError
    from sim.sweep import design, sweep_scenarios

    base = _load(file)
    varies = _ranges(vary, "--vary", steps=True)
    if not samples and any(steps == 0 for *_, steps in varies):
        fail("--vary needs PATH=LOW:HIGH:STEPS for a grid (or give --samples)")
    points = design(varies, samples, seed)
    try:
        scenarios = sweep_scenarios(base, points)
    except ScenarioError as exc:
        fail("\n".join(exc.lines()))
    store = _run(scenarios, "base", reps, seed, weeks or base.weeks, out,
                 (workers, scheduler, dask_local), True, quiet)
    from analysis.comparison import compare as compare_results
    from analysis.sweep import sweep_chart, sweep_sentences, sweep_table

    paths = [p for p, *_ in varies]
    table = sweep_table(compare_results(store.root), points)
    write_study(store.root, "sweep", f"Sweep of {base.name}",
               f"{len(points)} points, {reps} futures each, {weeks or base.weeks} weeks",
               sweep_sentences(table, paths), {"sweep": table},
               {"sweep": sweep_chart(table, paths)}, _command())
    if not quiet:
        shown = ["point", *paths, "turnover_change_pct", "p_shrink", "margin_change_pct"]
        typer.echo(table[shown].round(4).to_string(index=False))
        typer.echo(f"sweep.csv and sweep.png in {store.root}/")


def _outcome_column(output: str, against: bool) -> tuple[str, str]:
    """(column of the per-point table, label) for ``--output``."""
    from sim.levers import OUTCOMES

    if output not in (*OUTCOMES, "p_shrink"):
        fail(f"--output {output}: one of {', '.join((*OUTCOMES, 'p_shrink'))}")
    if not against:
        if output == "p_shrink":
            fail("--output p_shrink needs --against BASELINE (shrink against what?)")
        return output, output
    changes = {"turnover": "turnover_change_pct", "margin": "margin_change_pct",
               "conflicts_per_100_deals": "change_conflicts_per_100_deals"}
    if output in changes:
        return changes[output], (f"{output} change (%)" if output != "conflicts_per_100_deals"
                                 else "change in conflicts per 100 deals")
    return output, output


@app.command()
def sensitivity(
    file: Annotated[Path, typer.Argument(help="Scenario (the strategy, with --against).")],
    against: Annotated[Path | None, typer.Option(
        help="Baseline: outcomes become paired changes against it.")] = None,
    method: Annotated[str, typer.Option(help="tornado, morris or sobol.")] = "morris",
    samples: Annotated[int | None, typer.Option(
        min=2, help="Morris trajectories (default 10) or Sobol base samples (default 64).")] =
    None,
    output: Annotated[str, typer.Option(
        help="turnover, margin, p_shrink, conflicts_per_100_deals, top20_share, ...")] =
    "turnover",
    factor: Annotated[list[str] | None, typer.Option(
        help="PATH=LOW:HIGH: also vary this setting (set on both sides if it is one of the "
             "baseline's uncertainties, else on the strategy only).")] =
    None,
    reps: Reps = 5, weeks: Weeks = None, seed: Seed = 1, workers: Workers = None,
    scheduler: Scheduler = None, dask_local: DaskLocal = False,
    out: Annotated[Path, typer.Option(help="Result folder (resumable).")] = Path(
        "results/sensitivity"),
    quiet: Quiet = False,
):
    """Which uncertainty (or lever) moves the outcome most: tornado, Morris or Sobol."""
    from analysis.sensitivity import METHODS, Factor, sensitivity_sentences
    from sim.points import per_point
    from sim.scenario import resolve_path

    if method not in METHODS:
        fail(f"--method {method}: one of {', '.join(METHODS)}")
    column, label = _outcome_column(output, against is not None)
    strategy = _load(file)
    base = _load(against) if against is not None else None
    world = base or strategy
    extra = _ranges(factor or [], "--factor")
    _check_paths(strategy, [p for p, *_ in extra], "--factor")
    ranges = {p: (u.low, u.high) for p, u in world.uncertainties.items()}
    ranges.update({p: (lo, hi) for p, lo, hi, _ in extra})
    if not ranges:
        fail(f"{against or file}: declares no uncertainties and no --factor was given: "
             "nothing to vary")
    factors = [Factor(p, lo, hi, float(resolve_path(strategy, p)), p in world.uncertainties)
               for p, (lo, hi) in sorted(ranges.items())]
    m = METHODS[method]
    X = m.sample(factors, samples or (10 if method == "morris" else 64), seed)
    points = []
    for row in X:
        values = {f.path: float(v) for f, v in zip(factors, row, strict=True)}
        point = {"strategy": values}
        if base is not None:
            point["base"] = {f.path: values[f.path] for f in factors if f.world}
        points.append(point)
    scenarios = {"strategy": strategy, **({"base": base} if base is not None else {})}
    weeks = weeks or strategy.weeks
    engine = engine_from(workers, scheduler, dask_local)
    preflight(scenarios, weeks, local_workers(engine), reps, {"strategy": str(file)}, quiet,
              tables=False)
    store = open_folder(out, "sensitivity", scenarios, reps, seed, weeks, {
        "method": method, "output": output, "factors": [f.__dict__ for f in factors],
        "points": len(points)})
    runs = _run_points(scenarios, points, reps, seed, weeks, store, engine, quiet)
    pp = per_point(runs, "strategy", "base" if base is not None else None)
    y = pp[column].to_numpy()
    if not np.isfinite(y).all():
        bad = [int(i) for i in pp.index[~np.isfinite(y)]][:5]
        fail(f"--output {output}: not a number at points {bad} (e.g. a baseline with no "
             "turnover); choose another output or other ranges")
    from analysis.charts.studies import sensitivity_chart

    table = m.analyze(factors, X, y, seed)
    design = pp.reset_index()
    for i, f in enumerate(factors):
        design.insert(1 + i, f.path, X[:, i])
    what = f"{strategy.name}" + (f" against {base.name}" if base is not None else "")
    write_study(store.root, "sensitivity", f"Sensitivity of {what}: {label}",
               f"{method}, {len(factors)} factors, {len(points)} points x {reps} futures, "
               f"{weeks} weeks", sensitivity_sentences(table, method, label),
               {"sensitivity": table, "design": design},
               {"sensitivity": sensitivity_chart(table, method, label)}, _command())
    if not quiet:
        typer.echo(table.round(4).to_string(index=False))
        typer.echo(f"sensitivity.csv, design.csv and sensitivity.png in {store.root}/")


# The discover, optimize and calibrate commands live beside these.
from analysis import cli_calibrate, cli_search  # noqa: E402, F401
