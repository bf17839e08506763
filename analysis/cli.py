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
    weeks: Annotated[int | None, typer.Option(min=1, help="Weeks to simulate.")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Replication seed.")] = 1,
    out: Annotated[Path, typer.Option(help="Folder for the four Parquet tables.")] = Path(
        "results/run"),
):
    """Simulate one scenario; write kpis, by_region, conflicts and agents tables as Parquet."""
    scenario = _load(file)
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


def main() -> None:
    """Entry point of the ``channelsim`` script."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
