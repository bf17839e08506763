"""The ``channelsim`` command line."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

# Only the scenario loader is imported up front: `validate` answers without loading the
# model's heavy dependencies (Mesa, pandas).
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.market import MAX_WEEKS

app = typer.Typer(
    help="channelsim: stress-test a sales-channel strategy before rollout.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
TABLE_FILES = {"kpis": "kpis.parquet", "by_region": "by_region.parquet",
               "conflicts": "conflicts.parquet", "agents": "agents.parquet"}


def fail(message: str) -> None:
    """Print one clean line on stderr and exit with status 2."""
    typer.echo(message, err=True)
    raise typer.Exit(code=2)


def _load(path: Path):
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        for line in exc.lines():
            typer.echo(line, err=True)
        raise typer.Exit(code=2) from None


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")]):
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


def _prepare_out(out: Path) -> None:
    """Make the output folder, or fail cleanly if it cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as exc:
        fail(f"{out}: cannot write output folder ({exc.strerror or exc.__class__.__name__})")


def write_tables(tables: dict, out: Path) -> None:
    """Write each table as Parquet, atomically (temporary name, then rename)."""
    for name, file in TABLE_FILES.items():
        target = out / file
        tmp = out / f".{file}.tmp-{os.getpid()}"
        tables[name].to_parquet(tmp, index=False)
        os.replace(tmp, target)


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    weeks: Annotated[int | None, typer.Option(
        min=1, max=MAX_WEEKS, help="Weeks to simulate.")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Replication seed.")] = 1,
    out: Annotated[Path, typer.Option(help="Folder for the four Parquet tables.")] = Path(
        "results/run"),
):
    """Simulate one scenario; write kpis, by_region, conflicts and agents tables as Parquet."""
    scenario = _load(file)
    weeks = weeks or scenario.weeks
    preflight({scenario.name: scenario}, weeks, 1, 1, {scenario.name: str(file)}, False)
    _prepare_out(out)
    from sim.api import run_model

    model = run_model(scenario, seed, weeks)
    tables = model.tables()
    write_tables(tables, out)
    print_summary(scenario.name, scenario.currency, tables["kpis"])
    typer.echo(f"tables written to {out}/")


def print_summary(name: str, currency: str, kpis) -> None:
    """Print turnover by channel per year, conflicts and active agents."""
    from analysis.summary import yearly_summary

    s = yearly_summary(kpis)
    table = Table(title=f"{name}: turnover by channel per year ({currency} thousand)")
    cols = [("year", "year", "{:d}"), ("weeks", "weeks", "{:d}"),
            ("turnover_direct", "direct", "{:,.0f}"),
            ("turnover_distributor", "distrib.", "{:,.0f}"),
            ("turnover_partner", "partners", "{:,.0f}"),
            ("turnover_marketplace", "mktplace", "{:,.0f}"),
            ("turnover", "total", "{:,.0f}"),
            ("conflicts_per_100_deals", "confl./100", "{:.1f}"),
            ("price_dumping", "dumping", "{:,d}"),
            ("agents_active", "active", "{:d}"),
            ("agents_contracted", "contracted", "{:d}")]
    for _, label, _ in cols:
        table.add_column(label, justify="right")
    for _, row in s.iterrows():
        cells = []
        for col, _, fmt in cols:
            v = row[col]
            if col.startswith("turnover"):
                v = v / 1000.0
            cells.append(fmt.format(int(v)) if fmt.endswith("d}") else fmt.format(v))
        table.add_row(*cells)
    Console(width=max(130, Console().width)).print(table)


@app.command()
def compare(
    baseline: Annotated[Path, typer.Argument(help="The baseline scenario file.")],
    strategies: Annotated[list[Path], typer.Argument(help="Strategy files to compare.")],
    reps: Annotated[int, typer.Option(min=1, help="Replications (simulated futures).")] = 20,
    weeks: Annotated[int | None, typer.Option(
        min=1, max=MAX_WEEKS, help="Weeks per replication.")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the whole comparison.")] = 1,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Local worker processes (default: all cores; 1 runs serially).")] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Address of a Dask scheduler to run on, e.g. tcp://host:8786.")] = None,
    dask_local: Annotated[bool, typer.Option(
        "--dask-local", help="Start a Dask LocalCluster here and run on it.")] = False,
    out: Annotated[Path, typer.Option(help="Result folder (resumable).")] = Path(
        "results/compare"),
    material: Annotated[float, typer.Option(
        help="Materiality threshold in percent of baseline turnover.")] = -1.0,
    no_uncertainty: Annotated[bool, typer.Option(
        "--no-uncertainty", help="Do not draw the baseline's uncertainties.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")] = False,
):
    """Would these strategies shrink turnover? Paired Monte Carlo against the baseline."""
    from sim.store import folder_name

    files = [baseline, *strategies]
    labels = [f.stem for f in files]
    names = [folder_name(label) for label in labels]
    if len(set(names)) != len(names):
        fail("scenario file names must differ (their names label the results)")
    scenarios = {n: _load(f) for n, f in zip(names, files, strict=True)}
    store = _run(scenarios, names[0], reps, seed, weeks or scenarios[names[0]].weeks, out,
                 (workers, scheduler, dask_local), not no_uncertainty, quiet,
                 dict(zip(names, map(str, files), strict=True)),
                 dict(zip(names, labels, strict=True)))
    from analysis.comparison import compare as compare_results
    from analysis.present import print_comparison, write_summary

    comp = compare_results(store.root, material=material / 100.0)
    write_summary(comp, store.root)
    if not quiet:
        print_comparison(comp)
        typer.echo(f"results, summary.csv and summary.json in {store.root}/")


def engine_from(workers: int | None, scheduler: str | None, dask_local: bool):
    """The engine the options ask for (exit 2 if a scheduler cannot be reached)."""
    from sim.engines import DaskEngine, EngineError, make_engine

    if scheduler and dask_local:
        fail("choose one of --scheduler and --dask-local")
    if scheduler or dask_local:
        engine = DaskEngine(scheduler, workers)
        try:
            engine.check()
        except EngineError as exc:
            fail(str(exc))
        return engine
    return make_engine("serial" if workers == 1 else "processes", workers)


def run_engine(work, quiet: bool):
    """Call ``work(progress)`` with a progress display; store and engine errors exit 2."""
    from analysis.progress import reporter
    from sim.engines import EngineError
    from sim.store import StoreError

    progress = reporter(quiet)
    try:
        with progress:
            return work(progress.update)
    except (StoreError, EngineError) as exc:
        fail(str(exc))


def local_workers(engine) -> int:
    """Replications an engine runs at once on this machine (a remote cluster: none here)."""
    if getattr(engine, "scheduler", None) is not None:
        return 1
    return getattr(engine, "workers", 1) if engine.name != "serial" else 1


def preflight(scenarios: dict, weeks: int, workers: int, reps: int, sources: dict,
              quiet: bool, tables: bool = True) -> None:
    """Refuse (exit 2) a job that cannot give an answer here; print notes on a partial one."""
    from sim.preflight import PreflightError, check_runs

    try:
        notes = check_runs(scenarios, weeks, workers, reps, tables, sources)
    except PreflightError as exc:
        fail(str(exc))
    if not quiet:
        for note in notes:
            typer.echo(f"note: {note}", err=True)


def _run(scenarios: dict, baseline: str, reps: int, seed: int, weeks: int, out: Path,
         engine_opts: tuple, uncertainty: bool, quiet: bool, sources: dict | None = None,
         labels: dict | None = None):
    """Run every scenario on the chosen engine into a resumable store, with progress."""
    from sim.runner import run_comparison

    engine = engine_from(*engine_opts)
    preflight(scenarios, weeks, local_workers(engine), reps, sources or {}, quiet)
    return run_engine(lambda progress: run_comparison(
        scenarios, baseline, reps, seed, weeks, out, engine, uncertainty=uncertainty,
        progress=progress, labels=labels), quiet)


@app.command()
def report(
    folder: Annotated[Path, typer.Argument(
        help="A results folder of compare, sweep, sensitivity, discover or optimize.")],
    pptx: Annotated[bool, typer.Option("--pptx", help="Also write a slide deck.")] = False,
    out: Annotated[Path | None, typer.Option(
        help="HTML file to write (default: FOLDER/report.html; the deck beside it).")] = None,
    calibration: Annotated[Path | None, typer.Option(
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
    from analysis.report import build_report
    from analysis.study import build_study_report, is_study
    from sim.store import StoreError

    try:
        study = _calibration_study(calibration) if calibration is not None else None
        html, deck = (build_study_report(folder, out, pptx) if is_study(folder)
                      else build_report(folder, out, pptx, study))
    except StoreError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{out or folder}: cannot write the report ({exc.strerror or exc})")
    typer.echo(f"report: {html}")
    if deck is not None:
        typer.echo(f"deck: {deck}")


@app.command()
def diagnose(
    file: Annotated[Path, typer.Argument(
        help="A scenario (.yaml) or a deal export (.csv or .xlsx).")],
    seed: Annotated[int, typer.Option(min=0, help="Seed for a scenario's run.")] = 1,
    reps: Annotated[int, typer.Option(min=1, help="Replications of a scenario.")] = 3,
    calibration: Annotated[Path | None, typer.Option(
        help="A calibrate results folder: also show how well the scenario fits the history.")]
    = None,
):
    """Answer the diagnostic questions for a scenario's baseline or a client's deal export."""
    study = _calibration_study(calibration) if calibration is not None else None
    from analysis.diagnose import (
        DealExportError,
        diagnose_deals,
        diagnose_tables,
        read_deal_export,
    )

    if file.suffix.lower() in (".csv", ".xlsx", ".xls", ".tsv", ".txt"):
        try:
            d = diagnose_deals(read_deal_export(file))
        except DealExportError as exc:
            fail(str(exc))
        title = f"{file.name} (deal export)"
    else:
        scenario = _load(file)
        from sim.runner import run_replications

        t = run_replications(scenario, reps, seed, uncertainty=False)
        d = diagnose_tables(t["kpis"], t["agents"], t["conflicts"])
        title = f"{scenario.name} ({reps} simulated runs)"
    print_diagnosis(title, d)
    if study is not None:
        print_calibration(study)


def _calibration_study(folder: Path):
    """A calibrate results folder, loaded; exit 2 for anything else."""
    from analysis.study import is_study, load_study

    study = load_study(folder) if is_study(folder) else None
    if study is None or study.doc["kind"] != "calibrate":
        fail(f"{folder}: not a results folder of channelsim calibrate")
    return study


def print_calibration(study) -> None:
    """A calibration's findings and goodness of fit as terminal tables."""
    console = Console(width=max(120, Console().width))
    console.rule(f"Calibration: {study.doc['title']}")
    for line in study.doc["sentences"]:
        console.print(line)
    for name in ("fit", "goodness of fit"):
        table = study.tables[name]
        t = Table(title=name, title_justify="left")
        for h in table["header"]:
            t.add_column(str(h))
        for row in table["rows"]:
            t.add_row(*[text for text, _ in row])
        console.print(t)


def print_diagnosis(title: str, d) -> None:
    """The diagnosis as terminal tables."""
    console = Console(width=max(120, Console().width))
    console.rule(f"Diagnosis: {title}")

    def show(df, heading: str, fmt) -> None:
        t = Table(title=heading, title_justify="left")
        t.add_column(df.index.name or "", justify="left")
        for c in df.columns:
            t.add_column(str(c), justify="right")
        for idx, row in df.iterrows():
            t.add_row(str(idx), *[("—" if v != v else fmt(v)) for v in row])
        console.print(t)

    show(d.network, "Contracted vs active distributors and partners, by year",
         lambda v: f"{v:,.1f}")
    show(d.distribution_share.rename("via distributors and partners").to_frame(),
         "Share of end-customer sales through the distribution network", lambda v: f"{v:.1%}")
    show(d.channels, "Channels: sales, realisation (turnover / sales), monthly CV",
         lambda v: f"{v:,.2f}")
    if d.conflicts is not None:
        show(d.conflicts, "Conflicts between channel types", lambda v: f"{v:,.0f}")
    console.print(f"Top 20% of distributors and partners make {d.top20_share:.0%} of their "
                  f"sales; HHI {d.hhi:,.0f}.")


@app.command()
def dashboard(
    file: Annotated[Path | None, typer.Argument(help="Scenario to start from.")] = None,
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")] =
    "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8765,
):
    """Serve the live dashboard (Mesa SolaraViz) for presenting a market to a board."""
    import subprocess

    from analysis.dashboard.model import SCENARIO_ENV

    env = dict(os.environ)
    if file is not None:
        _load(file)
        env[SCENARIO_ENV] = str(file.resolve())
    app_path = Path(__file__).parent / "dashboard" / "app.py"
    typer.echo(f"dashboard on http://{host}:{port}/ (Ctrl-C stops it)")
    cmd = [sys.executable, "-m", "solara", "run", str(app_path), "--host", host, "--port",
           str(port), "--production", "--no-open"]
    raise typer.Exit(subprocess.call(cmd, env=env))


def usage_line(exc) -> str:
    """A usage error of the command line (bad option, missing argument) as one line."""
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "channelsim"
    message = " ".join(exc.format_message().split()).replace("Input should be", "must be")
    return f"{where}: {message} (see {where} --help)"


def _click_exceptions():
    """Click's exception module (Typer >= 0.24 carries its own copy of Click)."""
    try:
        from typer._click import exceptions
    except ImportError:  # an older Typer on the real Click
        from click import exceptions
    return exceptions


def main(args: list[str] | None = None) -> None:
    """Entry point of the ``channelsim`` script: errors are one line and exit status 2."""
    cx = _click_exceptions()
    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="channelsim", standalone_mode=False)
    except cx.NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help())
        sys.exit(0)
    except cx.UsageError as exc:
        typer.echo(usage_line(exc), err=True)
        sys.exit(2)
    except cx.ClickException as exc:
        typer.echo(f"channelsim: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        typer.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


# The stress-test commands register themselves on ``app``.
from analysis import cli_studies  # noqa: E402, F401

if __name__ == "__main__":
    # Run the importable module's app: the stress-test commands register on that one.
    from analysis.cli import main as _main

    _main()
