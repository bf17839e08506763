"""The ``calibrate`` command: fit a scenario's settings to a client's sales history."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from analysis.cli import _load, app, engine_from, fail, local_workers, preflight, run_engine
from analysis.cli_studies import (
    DaskLocal,
    Quiet,
    Scheduler,
    Seed,
    Workers,
    _check_paths,
    _command,
    _ranges,
    open_folder,
    writable_file,
    write_scenario,
    write_study,
)
from analysis.progress import Tally

BAND_REPS = 20


class Simulator:
    """Runs candidate settings as histories on an engine, into a study folder.

    Candidates are numbered in the order they are asked for, so a rerun with the same seed
    finds each stored.
    """

    def __init__(self, scenario, months: int, reps: int, seed: int, store, engine,
                 tally: Tally, names: list[str], fit_months: int):
        self.scenario, self.months, self.reps, self.seed = scenario, months, reps, seed
        self.store, self.engine, self.tally = store, engine, tally
        self.names, self.fit_months = names, fit_months
        self.next = 0

    def results(self, candidates: list[dict[str, float]], reps: int | None = None):
        """Each candidate's runs (lists of :func:`sim.history.run_history` results)."""
        from sim.history import run_history
        from sim.points import point_jobs, run_jobs

        reps = reps or self.reps      # the first R replication seeds are the same for any count
        jobs = point_jobs([{"model": c} for c in candidates], reps, self.seed, self.months,
                          self.next)
        self.next += len(candidates)
        found = run_jobs({"model": self.scenario}, jobs, self.store, self.engine, run_history,
                         self.tally.part(len(jobs)))
        return [[found[j.key] for j in jobs[i * reps:(i + 1) * reps]]
                for i in range(len(candidates))]

    def moments(self, runs: list[dict]) -> np.ndarray:
        """The fitted moments of each run: ``(replications, moments)``."""
        from analysis.calibration import run_moments

        return np.array([run_moments(r, self.names, self.fit_months) for r in runs])

    def __call__(self, candidates: list[dict[str, float]]) -> np.ndarray:
        """Moments of each candidate's runs: ``(candidates, replications, moments)``."""
        return np.array([self.moments(runs) for runs in self.results(candidates)])


@app.command()
def calibrate(
    file: Annotated[Path, typer.Argument(help="The scenario to calibrate (the baseline).")],
    history: Annotated[Path, typer.Option(help="The client's history (CSV; see README).")],
    fit: Annotated[list[str], typer.Option(help="PATH=LOW:HIGH, a setting to fit.")],
    reps: Annotated[int, typer.Option(min=2, help="Replications per candidate.")] = 5,
    budget: Annotated[int, typer.Option(min=10, help="Candidates the search may try.")] = 60,
    holdout: Annotated[int, typer.Option(
        min=0, help="Keep the last N months out of the fit and check the forecast on them.")] =
    0,
    out: Annotated[Path, typer.Option(help="The calibrated scenario file to write.")] = Path(
        "calibrated.yaml"),
    also: Annotated[list[Path] | None, typer.Option(
        help="A strategy to calibrate the same way (written beside --out as "
             "<name>_calibrated.yaml); repeatable.")] = None,
    results: Annotated[Path, typer.Option(help="Study folder (resumable).")] = Path(
        "results/calibrate"),
    seed: Seed = 1, workers: Workers = None, scheduler: Scheduler = None,
    dask_local: DaskLocal = False, quiet: Quiet = False,
):
    """Fit settings to a sales history (simulated method of moments); write the scenario."""
    from analysis.calibration import Parameter, moments
    from analysis.calibration import calibrate as fit_moments
    from analysis.charts.calibration import calibration_chart, forecast_coverage
    from analysis.history import MIN_MONTHS, HistoryError, read_history
    from sim.levers import set_values
    from sim.scenario import resolve_path

    sc = _load(file)
    strategies = {f: _load(f) for f in also or []}
    writable_file(out, "--out")
    try:
        hist = read_history(history)
    except HistoryError as exc:
        fail(str(exc))
    params = [Parameter(p, lo, hi) for p, lo, hi, _ in _ranges(fit, "--fit")]
    _check_paths(sc, [p.path for p in params], "--fit")
    for f, st in strategies.items():
        _check_paths(st, [p.path for p in params], f"--fit (in {f})")
    months = len(hist.months)
    fit_months = months - holdout
    if fit_months < MIN_MONTHS:
        fail(f"--holdout {holdout}: leaves {fit_months} months to fit; the moments need at "
             f"least {MIN_MONTHS}")
    used = hist.head(fit_months) if holdout else hist
    observed = moments(used.channels, used.partners)
    digest = hashlib.sha256(history.read_bytes()).hexdigest()
    engine = engine_from(workers, scheduler, dask_local)
    from sim.history import weeks_for

    preflight({"model": sc}, weeks_for(months), local_workers(engine), reps,
              {"model": str(file)}, quiet, tables=False)
    store = open_folder(results, "calibrate", {"model": sc}, reps, seed, months, {
        "fit": [p.__dict__ for p in params], "history": digest, "budget": budget,
        "holdout": holdout})
    start = {p.path: float(resolve_path(sc, p.path)) for p in params}

    def work(progress):
        # the search's budget, the start, the curvature probes, then the band
        tally = Tally(progress, (budget + 2 * len(params) + 2) * reps + BAND_REPS)
        sim = Simulator(sc, months, reps, seed, store, engine, tally, list(observed),
                        fit_months)
        band = []

        def omega(values: dict[str, float]) -> np.ndarray:
            band[:] = sim.results([values], BAND_REPS)[0]
            return np.cov(sim.moments(band), rowvar=False)

        found = fit_moments(sim, params, observed, start, budget, seed, omega)
        return found, band

    found, band = run_engine(work, quiet)
    calibrated = set_values(sc, found.values)
    write_scenario(out, file, calibrated, [p.path for p in params], f"{sc.name}_calibrated",
                    f"{sc.name} calibrated to {history.name} by channelsim calibrate "
                    f"({fit_months} months, {reps} replications per candidate).")
    monthly = forecast_coverage(hist, band, fit_months)
    fig = calibration_chart(hist, band, monthly)
    held = monthly[monthly["held_out"]]
    coverage = float(held["inside_band"].mean()) if len(held) else float("nan")
    lines = [f"Fitted to {fit_months} months of {history.name}: " + "; ".join(
        f"{p.path} = {found.values[p.path]:.4g} (90% interval {found.low[p.path]:.4g} to "
        f"{found.high[p.path]:.4g})" for p in params) + "."]
    for p in params:
        v, edge = found.values[p.path], 0.01 * (p.high - p.low)
        if not np.isfinite(found.se[p.path]):
            lines.append(f"{p.path} is not identified: no moment of the history responds to it, "
                         "so its value says nothing; fix it from other knowledge.")
        elif v - p.low < edge or p.high - v < edge:
            lines.append(f"{p.path} ends at the edge of its search range ({v:.4g}): widen the "
                         "range, or the model cannot reproduce the history with it alone.")
    worst = found.table.loc[found.table["z"].abs().idxmax()]
    lines.append(f"Moments matched within {found.table['z'].abs().max():.1f} simulated standard "
                 f"deviations (worst: {worst['moment']}, observed {worst['observed']:.4g}, "
                 f"simulated {worst['simulated']:.4g}); {found.evaluations} candidates "
                 f"simulated {reps} times each.")
    if holdout:
        lines.append(f"Out of sample: the calibrated scenario's 90% band holds the observed "
                     f"monthly revenue in {coverage:.0%} of the {holdout} months held out.")
    written = [out]
    for f, st in strategies.items():
        target = out.parent / f"{f.stem}_calibrated.yaml"
        write_scenario(target, f, set_values(st, found.values), [p.path for p in params],
                        f"{st.name}_calibrated", f"{st.name} with the settings calibrated to "
                        f"{history.name} (see {out.name}).")
        written.append(target)
    lines.append(f"Written: {', '.join(map(str, written))}; compare strategies against the "
                 "calibrated baseline with the calibrated strategies.")
    fits = pd.DataFrame({"parameter": [p.path for p in params],
                         "start": [start[p.path] for p in params],
                         "fitted": [found.values[p.path] for p in params],
                         "se": [found.se[p.path] for p in params],
                         "low_90": [found.low[p.path] for p in params],
                         "high_90": [found.high[p.path] for p in params],
                         "search_low": [p.low for p in params],
                         "search_high": [p.high for p in params]})
    write_study(store.root, "calibrate", f"{sc.name} calibrated to {history.name}",
               f"{len(params)} settings, {found.evaluations} candidates x {reps} replications, "
               f"{months} months", lines,
               {"fit": fits, "goodness_of_fit": found.table, "monthly": monthly},
               {"calibration": fig}, _command())
    if not quiet:
        typer.echo("\n".join(lines))
