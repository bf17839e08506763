"""The ``discover`` and ``optimize`` commands: where a strategy fails, and a better one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from analysis.cli import _load, app, engine_from, fail, local_workers, preflight, run_engine
from analysis.cli_studies import (
    DaskLocal,
    Quiet,
    Reps,
    Scheduler,
    Seed,
    Weeks,
    Workers,
    _check_paths,
    _command,
    _ranges,
    _run_points,
    open_folder,
    writable_file,
    write_scenario,
    write_study,
)
from analysis.progress import Tally


@app.command()
def discover(
    baseline: Annotated[Path, typer.Argument(help="The baseline (declares uncertainties).")],
    strategy: Annotated[Path, typer.Argument(help="The strategy to stress-test.")],
    samples: Annotated[int, typer.Option(min=10, help="Futures sampled (Latin hypercube).")] =
    100,
    reps: Reps = 3,
    threshold: Annotated[float, typer.Option(
        help="A future counts as shrinking when the mean turnover change is below this "
             "(percent).")] = 0.0,
    weeks: Weeks = None, seed: Seed = 1, workers: Workers = None,
    scheduler: Scheduler = None, dask_local: DaskLocal = False,
    out: Annotated[Path, typer.Option(help="Result folder (resumable).")] = Path(
        "results/discover"),
    quiet: Quiet = False,
):
    """Under which conditions does the strategy shrink turnover? Scenario discovery (PRIM)."""
    from analysis.charts.studies import discovery_map, tradeoff_chart
    from analysis.discovery import MIN_CASES, find_rules
    from sim.experiment import sample_uncertainties
    from sim.points import per_point

    base, strat = _load(baseline), _load(strategy)
    if not base.uncertainties:
        fail(f"{baseline}: declares no uncertainties: there is nothing to sample")
    _check_paths(strat, list(base.uncertainties), "uncertainty")
    worlds = sample_uncertainties(base, samples, seed)
    points = [{"base": w, "strategy": w} for w in worlds]
    scenarios = {"base": base, "strategy": strat}
    weeks = weeks or base.weeks
    engine = engine_from(workers, scheduler, dask_local)
    preflight(scenarios, weeks, local_workers(engine), reps,
              {"base": str(baseline), "strategy": str(strategy)}, quiet, tables=False)
    # the threshold only changes the reading, not the runs: rerun with another at no cost
    store = open_folder(out, "discover", scenarios, reps, seed, weeks, {"samples": samples})
    runs = _run_points(scenarios, points, reps, seed, weeks, store, engine, quiet)
    pp = per_point(runs, "strategy", "base").reset_index()
    X = pd.DataFrame(worlds)
    table = pd.concat([pp[["point"]], X, pp[["turnover_change_pct", "margin_change_pct",
                                             "p_shrink"]]], axis=1)
    table["shrinks"] = table["turnover_change_pct"] < threshold
    rules, trajectory = find_rules(X, table["shrinks"].to_numpy())
    shrinking = int(table["shrinks"].sum())
    what = (f"{strat.name} shrinks turnover" if threshold == 0 else
            f"{strat.name} changes turnover by less than {threshold:+.3g}%")
    lines = [f"{what} in {shrinking} of {samples} sampled futures ({shrinking / samples:.0%}), "
             f"each judged on the mean of {reps} paired replications."]
    lines += [r.sentence(what) for r in rules]
    if not rules and 0 < shrinking < samples:
        lines.append("Too few futures on one side to describe by conditions: rerun with more "
                     "--samples or another --threshold." if min(shrinking, samples - shrinking)
                     < MIN_CASES else "No simple conditions single out the shrinking futures: "
                     "they are spread across the ranges sampled.")
    axes = list(rules[0].limits) if rules else []
    order = X.corrwith(table["turnover_change_pct"]).abs().sort_values(ascending=False)
    axes += [c for c in order.index if c not in axes]
    label = "turnover shrinks" if threshold == 0 else f"change is below {threshold:+.3g}%"
    figures = {"discover": discovery_map(table, axes[0], axes[1] if len(axes) > 1 else axes[0],
                                         rules[0].limits if rules else None, label)}
    if len(trajectory):
        figures["tradeoff"] = tradeoff_chart(trajectory, label)
    rule_table = pd.DataFrame([{"rule": i + 1, "conditions": r.conditions(),
                                "density": r.density, "coverage": r.coverage, "mass": r.mass}
                               for i, r in enumerate(rules)])
    write_study(store.root, "discover", f"Where {what} against {base.name}",
               f"{samples} futures x {reps} replications, {weeks} weeks; uncertainties: "
               f"{', '.join(X.columns)}", lines,
               {"rules": rule_table, "discover": table} if rules else {"discover": table},
               figures, _command(), loss=shrinking > 0)
    if not quiet:
        typer.echo("\n".join(lines))
        typer.echo(f"discover.csv and charts in {store.root}/")


@app.command()
def optimize(
    file: Annotated[Path, typer.Argument(help="The starting scenario.")],
    lever: Annotated[list[str], typer.Option(help="PATH=LOW:HIGH, a lever to search.")],
    objective: Annotated[str, typer.Option(help="turnover or margin.")] = "turnover",
    max_p_shrink: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Largest acceptable share of futures where turnover falls "
                               "below the start.")] = 0.1,
    trials: Annotated[int, typer.Option(min=2, help="Settings to try.")] = 30,
    batch: Annotated[int, typer.Option(min=1, help="Settings tried at once.")] = 4,
    reps: Reps = 5, weeks: Weeks = None, seed: Seed = 1, workers: Workers = None,
    scheduler: Scheduler = None, dask_local: DaskLocal = False,
    out: Annotated[Path, typer.Option(help="Result folder (resumable).")] = Path(
        "results/optimize"),
    save: Annotated[Path | None, typer.Option(
        help="Scenario file for the best setting (default: OUT/best.yaml).")] = None,
    no_uncertainty: Annotated[bool, typer.Option(
        "--no-uncertainty", help="Do not draw the scenario's uncertainties.")] = False,
    quiet: Quiet = False,
):
    """Search the levers for the best turnover (or margin) with P(shrink) kept low (Optuna)."""
    from analysis.charts.studies import optimize_chart
    from analysis.optimize import Evaluation, Lever, best, pareto, search
    from sim.experiment import sample_uncertainties
    from sim.levers import set_values
    from sim.points import per_point, run_points

    if objective not in ("turnover", "margin"):
        fail(f"--objective {objective}: one of turnover, margin")
    sc = _load(file)
    levers = [Lever(p, lo, hi) for p, lo, hi, _ in _ranges(lever, "--lever")]
    _check_paths(sc, [lv.path for lv in levers], "--lever")
    if save is not None:
        writable_file(save, "--save")
    weeks = weeks or sc.weeks
    worlds = (sample_uncertainties(sc, reps, seed) if not no_uncertainty
              else [{} for _ in range(reps)])
    scenarios = {"base": sc, "strategy": sc}
    engine = engine_from(workers, scheduler, dask_local)
    preflight({"base": sc}, weeks, local_workers(engine), reps, {"base": str(file)}, quiet,
              tables=False)
    store = open_folder(out, "optimize", scenarios, reps, seed, weeks, {
        "levers": [lv.__dict__ for lv in levers], "objective": objective,
        "max_p_shrink": max_p_shrink, "trials": trials, "batch": batch,
        "uncertainty": not no_uncertainty})
    column = f"{objective}_change_pct"

    def work(progress):
        tally = Tally(progress, reps * (trials + 1))
        base_runs = run_points(scenarios, [{"base": worlds}], reps, seed, weeks, store, engine,
                               progress=tally.part(reps))
        tried = []     # settings in the order asked: trial i is point i + 1 (0 is the start)

        def evaluate(settings):
            points = [{"strategy": [{**w, **s} for w in worlds]} for s in settings]
            runs = run_points(scenarios, points, reps, seed, weeks, store, engine,
                              first=1 + len(tried), progress=tally.part(reps * len(settings)))
            tried.extend(settings)
            pp = per_point(pd.concat([base_runs, runs]), "strategy", "base", base_point=0)
            return [Evaluation(float(r[column]), float(r["p_shrink"]),
                               {"turnover_change_pct": float(r["turnover_change_pct"]),
                                "margin_change_pct": float(r["margin_change_pct"])})
                    for _, r in pp.iterrows()]

        return search(evaluate, levers, trials, max_p_shrink, batch, seed)

    table = run_engine(work, quiet)
    top = best(table)
    paths = [lv.path for lv in levers]

    def at(row) -> str:
        return ", ".join(f"{p} = {row[p]:.4g}" for p in paths)

    lines = []
    if top is None:
        safest = table.loc[table["p_shrink"].idxmin()]
        lines.append(f"No setting tried kept P(shrink) within {max_p_shrink:.0%}; the safest, "
                     f"{at(safest)}, shrinks turnover in {safest['p_shrink']:.0%} of futures. "
                     "No scenario file was written.")
    else:
        target = save or store.root / "best.yaml"
        best_sc = set_values(sc, {p: float(top[p]) for p in paths})
        write_scenario(target, file, best_sc, paths, f"{sc.name}_optimized",
                        f"Best of {trials} settings searched by channelsim optimize "
                        f"({objective}, P(shrink) <= {max_p_shrink:.0%}, {reps} futures).")
        lines.append(f"Best setting with P(shrink) ≤ {max_p_shrink:.0%}: {at(top)}: {objective} "
                     f"{top['objective']:+.1f}% against {sc.name} as written, turnover shrinking "
                     f"in {top['p_shrink']:.0%} of {reps} futures (trial {int(top['trial'])} "
                     f"of {trials}).")
        lines.append(f"Saved as {target}; check it with channelsim compare {file} {target} "
                     "and more futures before acting on it.")
    front = pareto(table)
    lines.append("Trade-off (best objective at each level of risk): " + "; ".join(
        f"{r['objective']:+.1f}% at P(shrink) {r['p_shrink']:.0%}" for _, r in front.iterrows())
        + ".")
    fig = optimize_chart(table, objective, max_p_shrink,
                         None if top is None else int(top["trial"]))
    write_study(store.root, "optimize", f"Levers of {sc.name} searched for {objective}",
               f"{trials} settings x {reps} futures, {weeks} weeks; levers: {', '.join(paths)}",
               lines, {"pareto": front, "optimize": table}, {"optimize": fig}, _command())
    if not quiet:
        typer.echo("\n".join(lines))

