"""The commands of one scenario or one comparison.

``validate``, ``run``, ``compare``, ``report``, ``diagnose`` and ``dashboard``: each parses its
options, calls one function and prints.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from analysis.cli.common import (
    engine_from,
    fail,
    load,
    local_workers,
    prepare_out,
    refusals,
    show_notes,
    with_progress,
)
from analysis.cli.options import DaskLocal, NoUncertainty, Quiet, Scheduler, Seed, Weeks, Workers
from sim.scenario import ScenarioError, load_scenario

Files = Annotated[list[Path], typer.Argument(help="Scenario files to check.", metavar="FILES")]


def validate(files: Files):
    """Check scenario files: 'ok' per valid file, one line per problem otherwise (exit 2)."""
    bad = False
    for f in files:
        try:
            load_scenario(f)
            typer.echo(f"{f}: ok")
        except ScenarioError as exc:
            bad = True
            for line in exc.lines():
                typer.echo(line, err=True)
    if bad:
        raise typer.Exit(code=2)


def run(
    file: Annotated[Path, typer.Argument(help="Scenario file.", metavar="FILE")],
    weeks: Weeks = None, seed: Seed = 1,
    out: Annotated[Path, typer.Option(
        metavar="FOLDER", help="Folder for the six Parquet tables.")] = Path(
        "results/run"),
):
    """Simulate one scenario; write kpis, by_region, conflicts, agents and flows as Parquet."""
    from sim.experiments.preflight import check_runs

    scenario = load(file)
    weeks = weeks or scenario.weeks
    with refusals():
        show_notes(check_runs({scenario.name: scenario}, weeks, 1, 1, False,
                              {scenario.name: str(file)}))
    prepare_out(out)
    from analysis.cli.terminal import print_summary
    from sim.experiments.store import write_tables
    from sim.run import run_model

    tables = run_model(scenario, seed, weeks).tables()
    write_tables(out, tables)
    print_summary(scenario.name, scenario.currency, tables["kpis"])
    typer.echo(f"tables written to {out}/")


def compare(
    baseline: Annotated[Path, typer.Argument(help="The baseline scenario file.",
                                             metavar="BASELINE")],
    strategies: Annotated[list[Path], typer.Argument(help="Strategy files to compare.",
                                                     metavar="STRATEGIES")],
    reps: Annotated[int, typer.Option(
        min=1, metavar="N", help="Replications (simulated futures).")] = 20,
    weeks: Weeks = None, seed: Seed = 1, workers: Workers = None,
    scheduler: Scheduler = None, dask_local: DaskLocal = False,
    out: Annotated[Path, typer.Option(metavar="FOLDER", help="Result folder (resumable).")] = Path(
        "results/compare"),
    material: Annotated[float, typer.Option(
        metavar="PERCENT", help="Materiality threshold in percent of baseline turnover.")] = -1.0,
    material_share: Annotated[float, typer.Option(
        min=0.0, max=100.0, metavar="PERCENT",
        help="A channel, region or segment losing more than this "
        "percent of its baseline is named in the summary.")] = 20.0,
    no_uncertainty: NoUncertainty = False, quiet: Quiet = False,
    placebo: Annotated[int, typer.Option(
        min=0, metavar="N", help="Futures of the baseline alone for the pilots' placebo and power "
        "(200 or more; 0: none).")] = 0,
    breakeven: Annotated[int | None, typer.Option(
        min=1, metavar="RUNS", help="Then find each strategy's break-even per uncertainty "
        "within this many runs (as channelsim breakeven OUT --budget RUNS).")] = None,
):
    """Would these strategies shrink turnover? Paired Monte Carlo against the baseline."""
    from sim.experiments.preflight import check_runs
    from sim.experiments.store import folder_name

    files = [baseline, *strategies]
    labels = [f.stem for f in files]
    names = [folder_name(label) for label in labels]
    if len(set(names)) != len(names):
        fail("scenario file names must differ (their names label the results)")
    scenarios = {n: load(f) for n, f in zip(names, files, strict=True)}
    weeks = weeks or scenarios[names[0]].weeks
    with refusals():
        show_notes(check_runs(scenarios, weeks, local_workers(workers, scheduler), reps, True,
                              dict(zip(names, map(str, files), strict=True))))
    if breakeven is not None:
        from analysis.studies.breakeven import check_budget

        with refusals():       # refused before any run, so nothing is written
            check_budget(len(scenarios[names[0]].uncertain_ranges()), len(scenarios), reps,
                         breakeven, "--breakeven")
    engine = engine_from(workers, scheduler, dask_local)
    from analysis.cli.terminal import print_comparison
    from analysis.comparison.paired import compare as compare_results
    from analysis.report.files import write_summary
    from sim.experiments.compare import run_comparison

    store = with_progress(lambda progress: run_comparison(
        scenarios, names[0], reps, seed, weeks, out, engine, uncertainty=not no_uncertainty,
        progress=progress, labels=dict(zip(names, labels, strict=True))), quiet)
    if placebo:
        from analysis.studies.placebo import write_placebo

        if not quiet:
            typer.echo(f"placebo: {placebo} futures of {names[0]} alone, for the pilots")
        write_placebo(store.root, scenarios[names[0]], store.manifest(), placebo, engine,
                      not no_uncertainty)
    comp = compare_results(store.root, material=material / 100.0,
                           material_share=material_share / 100.0)
    write_summary(comp, store.root)
    print_comparison(comp)
    typer.echo(f"results, summary.csv and summary.json in {store.root}/")
    if breakeven is not None:
        from analysis.cli.studies import run_and_say_breakeven

        run_and_say_breakeven(store.root, None, 6, breakeven, engine, quiet)


def report(
    folder: Annotated[Path, typer.Argument(
        help="A results folder of compare, sweep, sensitivity, discover or optimize.",
        metavar="FOLDER")],
    pptx: Annotated[bool, typer.Option("--pptx", help="Also write a slide deck.")] = False,
    xlsx: Annotated[bool, typer.Option("--xlsx", help="Also write an Excel workbook (summary, "
                                       "agents at risk, every agent).")] = False,
    out: Annotated[Path | None, typer.Option(
        metavar="FILE",
        help="HTML file to write (default: FOLDER/report.html; the deck beside it).")] = None,
    calibration: Annotated[Path | None, typer.Option(
        metavar="FOLDER",
        help="A calibrate results folder: show how well the baseline fits the history.")] =
    None,
):
    """Write a self-contained HTML report (and with --pptx a slide deck) of stored results."""
    if not folder.exists():
        fail(f"{folder}: no such folder")
    if not folder.is_dir():
        fail(f"{folder}: is a file, not a results folder")
    if not (folder / "manifest.json").is_file():
        fail(f"{folder}: not a results folder of channelsim (no manifest.json)")
    from analysis.report.html import build_report
    from analysis.report.study_files import build_study_report, is_study

    study = calibration_study(calibration) if calibration is not None else None
    try:
        with refusals():
            html, deck = (build_study_report(folder, out, pptx) if is_study(folder)
                          else build_report(folder, out, pptx, study))
    except OSError as exc:
        fail(f"{out or folder}: cannot write the report ({exc.strerror or exc})")
    typer.echo(f"report: {html}")
    if deck is not None:
        typer.echo(f"deck: {deck}")
    if xlsx and not is_study(folder):
        typer.echo(f"workbook: {_workbook(folder, Path(html))}")
    elif xlsx:
        typer.echo("workbook: not written (a study folder; --xlsx is for comparisons)")


def _workbook(folder: Path, html: Path) -> Path:
    from analysis.comparison.paired import compare
    from analysis.comparison.results import Results
    from analysis.report.workbook import write_workbook

    res = Results(folder)
    with refusals():
        return write_workbook(html.with_suffix(".xlsx"), res, compare(res))


def diagnose(
    file: Annotated[Path, typer.Argument(
        help="A scenario (.yaml) or a deal export (.csv or .xlsx).", metavar="FILE")],
    seed: Annotated[int, typer.Option(min=0, metavar="N", help="Seed for a scenario's run.")] = 1,
    reps: Annotated[int, typer.Option(min=1, metavar="N", help="Replications of a scenario.")] = 3,
    calibration: Annotated[Path | None, typer.Option(
        metavar="FOLDER",
        help="A calibrate results folder: also show how well the scenario fits the history.")]
    = None,
):
    """Answer the diagnostic questions for a scenario's baseline or a client's deal export."""
    from analysis.cli.terminal import print_calibration, print_diagnosis
    from analysis.comparison.diagnose import diagnose_deals, diagnose_tables, read_deal_export

    study = calibration_study(calibration) if calibration is not None else None
    if file.suffix.lower() in (".csv", ".xlsx", ".xls", ".tsv", ".txt"):
        with refusals():
            d = diagnose_deals(read_deal_export(file))
        title = f"{file.name} (deal export)"
    else:
        from sim.experiments.compare import run_replications

        scenario = load(file)
        t = run_replications(scenario, reps, seed, uncertainty=False)
        d = diagnose_tables(t["kpis"], t["agents"], t["conflicts"])
        title = f"{scenario.name} ({reps} simulated runs)"
    print_diagnosis(title, d)
    if study is not None:
        print_calibration(study)


def calibration_study(folder: Path):
    """A calibrate results folder, loaded; exit 2 for anything else."""
    from analysis.report.study_files import is_study, load_study

    study = load_study(folder) if is_study(folder) else None
    if study is None or study.doc["kind"] != "calibrate":
        fail(f"{folder}: not a results folder of channelsim calibrate")
    return study


def dashboard(
    file: Annotated[Path | None, typer.Argument(help="Scenario to start from.",
                                                metavar="FILE")] = None,
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")] =
    "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8765,
):
    """Serve the live dashboard (Mesa SolaraViz) for presenting a market to a board."""
    from analysis.dashboard.serve import SCENARIO_ENV, port_problem, serve

    problem = port_problem(host, port)   # first: a port in use is one line, nothing before it
    if problem:
        fail(problem)
    env = dict(os.environ)
    if file is not None:
        load(file)
        env[SCENARIO_ENV] = str(file.resolve())
    raise typer.Exit(code=serve(host, port, env, typer.echo))
