"""``channelsim pilot-design``: the smallest regional pilot that can tell a strategy's effect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from analysis.cli.common import engine_from, fail, load, prepare_out, refusals
from analysis.cli.options import Seed, Workers


def _regions(text: str | None) -> list[str] | None:
    return None if text is None else [r.strip() for r in text.split(",") if r.strip()]


def _parent(strategy: Path) -> Path:
    """The file a strategy extends: its baseline unless --baseline says otherwise."""
    import yaml

    try:
        doc = yaml.safe_load(strategy.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        doc = None
    parent = doc.get("extends") if isinstance(doc, dict) else None
    if not isinstance(parent, str):
        fail(f"{strategy}: extends no baseline; give --baseline FILE")
    return strategy.parent / parent


def pilot_design(
    strategy: Annotated[Path, typer.Argument(help="The strategy file (with a pilot week).",
                                             metavar="STRATEGY")],
    baseline: Annotated[Path | None, typer.Option(
        help="Baseline scenario (default: the file the strategy extends).")] = None,
    target_effect: Annotated[float | None, typer.Option(
        help="Effect to detect, percent (default: the full rollout's true effect).")] = None,
    metric: Annotated[str, typer.Option(
        help="What the pilot reads: turnover, sell_through or deals_won.")] = "turnover",
    candidates: Annotated[str | None, typer.Option(
        help="Regions a pilot may use, comma-separated (default: all).")] = None,
    exclude: Annotated[str | None, typer.Option(
        help="Regions a pilot may not use, comma-separated.")] = None,
    budget: Annotated[int, typer.Option(min=1, help="The most simulation runs to spend.")] =
    1000,
    futures: Annotated[int, typer.Option(min=20, help="Futures of each placebo.")] = 200,
    reps: Annotated[int, typer.Option(min=2, help="Paired futures per design tried.")] = 20,
    seed: Seed = 1, workers: Workers = None,
    out: Annotated[Path, typer.Option(help="Folder for the design table.")] = Path(
        "results/pilot-design"),
):
    """Search pilot regions (1-3) and durations for the smallest pilot that can tell."""
    from analysis.report.files import write_atomic
    from analysis.studies.pilot_design import (
        Brief,
        design_pilot,
        outcome_lines,
        outcome_table,
        planned_runs,
    )

    base = load(baseline if baseline is not None else _parent(strategy))
    sc = load(strategy)
    brief = Brief(metric=metric, target=target_effect, candidates=_regions(candidates),
                  exclude=_regions(exclude) or [], futures=futures, reps=reps, budget=budget,
                  seed=seed)
    typer.echo(planned_runs(brief))
    with refusals():
        outcome = design_pilot(base, sc, brief, engine_from(workers, None, False))
    prepare_out(out)
    import pandas as pd

    table = pd.DataFrame(outcome_table(outcome))
    write_atomic(out / "pilot_design.csv", table.to_csv(index=False))
    lines = outcome_lines(outcome)
    write_atomic(out / "pilot_design.json", json.dumps(
        {"lines": lines, "target": outcome.target, "runs": outcome.runs,
         "designs": table.to_dict(orient="records")}, indent=1, default=float))
    from analysis.report.charts.pilots import pilot_design_chart
    from analysis.studies.pilot_design import MDE_SHARE

    chosen = outcome.chosen
    label = (f"{', '.join(chosen.design.regions)}, {chosen.design.weeks} weeks"
             if chosen else None)
    fig = pilot_design_chart(table, MDE_SHARE * abs(outcome.target), metric, label)
    fig.savefig(out / "pilot_design.png", dpi=110)
    shown = table.head(12).to_string(index=False, float_format=lambda x: f"{x:,.1f}")
    typer.echo(shown)
    for line in lines:
        typer.echo(line)
    typer.echo(f"{outcome.runs} runs; pilot_design.csv, .json and .png in {out}/")
