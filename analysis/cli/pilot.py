"""``channelsim pilot-design``: the smallest regional pilot that can tell a strategy's effect."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from analysis.cli.common import engine_from, fail, load, refusals
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
        metavar="FILE", help="Baseline scenario (default: the file the strategy extends).")] = None,
    target_effect: Annotated[float | None, typer.Option(
        metavar="PERCENT",
        help="Effect to detect, percent (default: the full rollout's true effect).")] = None,
    metric: Annotated[str, typer.Option(
        metavar="NAME",
        help="What the pilot reads: turnover, sell_through or deals_won.")] = "turnover",
    candidates: Annotated[str | None, typer.Option(
        metavar="REGIONS", help="Regions a pilot may use, comma-separated (default: all).")] = None,
    exclude: Annotated[str | None, typer.Option(
        metavar="REGIONS", help="Regions a pilot may not use, comma-separated.")] = None,
    budget: Annotated[int, typer.Option(
        min=1, metavar="RUNS", help="The most simulation runs to spend.")] =
    1000,
    futures: Annotated[int, typer.Option(min=20, metavar="N",
        help="Futures of each placebo.")] = 200,
    reps: Annotated[int, typer.Option(
        min=2, metavar="N", help="Paired futures per design tried.")] = 20,
    seed: Seed = 1, workers: Workers = None,
    out: Annotated[Path, typer.Option(
        metavar="FOLDER", help="Folder for the design table.")] = Path(
        "results/pilot-design"),
):
    """Search pilot regions (1-3) and durations for the smallest pilot that can tell."""
    from analysis.studies.pilot_design import (
        Brief,
        check_brief,
        design_pilot,
        outcome_lines,
        planned_runs,
    )
    from sim.experiments.designs import open_study

    base = load(baseline if baseline is not None else _parent(strategy))
    sc = load(strategy)
    brief = Brief(metric=metric, target=target_effect, candidates=_regions(candidates),
                  exclude=_regions(exclude) or [], futures=futures, reps=reps, budget=budget,
                  seed=seed)
    typer.echo(planned_runs(brief))
    with refusals():
        check_brief(base, sc, brief)          # refused before any run or file
        store = open_study(out, "pilot-design", {"baseline": base, "strategy": sc}, reps,
                           seed, sc.weeks, {"metric": metric, "futures": futures,
                                            "budget": budget, "target": target_effect})
        outcome = design_pilot(base, sc, brief, engine_from(workers, None, False))
    save_design(outcome, base, sc, store.root, metric)
    for line in outcome_lines(outcome):
        typer.echo(line)
    typer.echo(f"{outcome.runs} runs; pilot_design.csv, .png and study.json in {out}/ "
               f"(channelsim report {out} --pptx for the page and slide)")


def save_design(outcome, base, sc, folder: Path, metric: str) -> None:
    """Write the design table, its chart and study.json, so ``report`` renders the folder."""
    import pandas as pd

    from analysis.cli.common import command_line
    from analysis.report.charts.pilots import pilot_design_chart
    from analysis.studies.common import StudyResult
    from analysis.studies.pilot_design import MDE_SHARE, outcome_lines, outcome_table
    table = pd.DataFrame(outcome_table(outcome))
    chosen = outcome.chosen
    label = (f"{', '.join(chosen.design.regions)}, {chosen.design.weeks} weeks"
             if chosen else None)
    fig = pilot_design_chart(table, MDE_SHARE * abs(outcome.target), metric, label)
    typer.echo(table.head(12).to_string(index=False, float_format=lambda x: f"{x:,.1f}"))
    StudyResult(kind="pilot-design", title=f"Pilot design for {sc.name}",
                subtitle=f"{len(table)} designs of 1-3 regions against {base.name}, "
                f"{outcome.runs} runs", sentences=outcome_lines(outcome),
                tables={"pilot_design": table}, figures={"pilot_design": fig},
                folder=folder, loss=chosen is None).save(command_line())
