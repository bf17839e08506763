"""Calibrating a scenario to a client's sales history: the study around the fit.

The fit itself (moments, search, standard errors) is ``analysis.studies.calibration``;
this module runs the candidates on the engines into a resumable folder (the
:class:`Simulator`), writes the calibrated scenario (and strategies calibrated the same
way) as files that ``extends`` the inputs, and says what the fit found.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.report.charts.calibration import calibration_chart, forecast_coverage
from analysis.studies.calibration import Parameter, calibrate, moments, run_moments
from analysis.studies.common import Runs, StudyError, StudyResult, Tally, check_paths
from analysis.studies.history import MIN_MONTHS, read_history
from sim.experiments.designs import point_jobs, run_jobs
from sim.experiments.history import run_history, weeks_for
from sim.experiments.settings import set_values
from sim.scenario import Scenario, resolve_path
from sim.scenario.writer import write_extending

BAND_REPS = 20


class Simulator:
    """Runs candidate settings as histories on an engine, into a study folder.

    Candidates are numbered in the order they are asked for, so a rerun with the same seed
    finds each stored.
    """

    def __init__(self, scenario, months: int, runs: Runs, store, tally: Tally,
                 names: list[str], fit_months: int):
        self.scenario, self.months, self.runs = scenario, months, runs
        self.store, self.tally = store, tally
        self.names, self.fit_months = names, fit_months
        self.next = 0

    def results(self, candidates: list[dict[str, float]], reps: int | None = None):
        """Each candidate's runs (lists of :func:`sim.experiments.history.run_history`)."""
        reps = reps or self.runs.reps  # the first R replication seeds are the same for any R
        jobs = point_jobs([{"model": c} for c in candidates], reps, self.runs.seed, self.months,
                          self.next)
        self.next += len(candidates)
        found = run_jobs({"model": self.scenario}, jobs, self.store, self.runs.engine,
                         run_history, self.tally.part(len(jobs)))
        return [[found[j.key] for j in jobs[i * reps:(i + 1) * reps]]
                for i in range(len(candidates))]

    def moments(self, runs: list[dict]) -> np.ndarray:
        """The fitted moments of each run: ``(replications, moments)``."""
        return np.array([run_moments(r, self.names, self.fit_months) for r in runs])

    def __call__(self, candidates: list[dict[str, float]]) -> np.ndarray:
        """Moments of each candidate's runs: ``(candidates, replications, moments)``."""
        return np.array([self.moments(runs) for runs in self.results(candidates)])


@dataclass
class Fitting:
    """What to fit and how hard.

    Attributes:
        params: the settings to fit and their search ranges.
        budget: candidates the search may simulate.
        holdout: months at the end kept out of the fit (the forecast is checked on them).
        also: strategies (file -> scenario) to calibrate the same way.

    """

    params: list[Parameter]
    budget: int = 60
    holdout: int = 0
    also: dict[Path, Scenario] = field(default_factory=dict)


def calibrate_scenario(sc: Scenario, source: Path, history: Path, fitting: Fitting,
                       target: Path, runs: Runs) -> StudyResult:
    """Fit ``fitting.params`` of ``sc`` (file ``source``) to the history; write ``target``.

    Raises:
        HistoryError: the history cannot be read.
        StudyError: a setting that is not numeric, or too few months left to fit.

    """
    hist = read_history(history)
    params = fitting.params
    check_paths(sc, [p.path for p in params], "--fit")
    for f, st in fitting.also.items():
        check_paths(st, [p.path for p in params], f"--fit (in {f})")
    months = len(hist.months)
    fit_months = months - fitting.holdout
    if fit_months < MIN_MONTHS:
        raise StudyError(f"--holdout {fitting.holdout}: leaves {fit_months} months to fit; "
                         f"the moments need at least {MIN_MONTHS}")
    used = hist.head(fit_months) if fitting.holdout else hist
    observed = moments(used.channels, used.partners)
    notes = runs.check({"model": sc}, weeks_for(months))
    digest = hashlib.sha256(history.read_bytes()).hexdigest()
    store = runs.open("calibrate", {"model": sc}, months, {
        "fit": [p.__dict__ for p in params], "history": digest, "budget": fitting.budget,
        "holdout": fitting.holdout})
    start = {p.path: float(resolve_path(sc, p.path)) for p in params}
    # the search's budget, the start, the curvature probes, then the band
    tally = Tally(runs.progress, (fitting.budget + 2 * len(params) + 2) * runs.reps + BAND_REPS)
    sim = Simulator(sc, months, runs, store, tally, list(observed), fit_months)
    band = []

    def omega(values: dict[str, float]) -> np.ndarray:
        band[:] = sim.results([values], BAND_REPS)[0]
        return np.cov(sim.moments(band), rowvar=False)

    found = calibrate(sim, params, observed, start, fitting.budget, runs.seed, omega)
    calibrated = set_values(sc, found.values)
    paths = [p.path for p in params]
    write_extending(target, source, calibrated, paths, f"{sc.name}_calibrated",
                    f"{sc.name} calibrated to {history.name} by channelsim calibrate "
                    f"({fit_months} months, {runs.reps} replications per candidate).")
    written = [target]
    for f, st in fitting.also.items():
        strategy_target = target.parent / f"{f.stem}_calibrated.yaml"
        write_extending(strategy_target, f, set_values(st, found.values), paths,
                        f"{st.name}_calibrated", f"{st.name} with the settings calibrated to "
                        f"{history.name} (see {target.name}).")
        written.append(strategy_target)
    monthly = forecast_coverage(hist, band, fit_months)
    lines = _sentences(found, params, history.name, fit_months, fitting.holdout, runs.reps,
                       monthly)
    lines.append(f"Written: {', '.join(map(str, written))}; compare strategies against the "
                 "calibrated baseline with the calibrated strategies.")
    fits = pd.DataFrame({"parameter": paths, "start": [start[p] for p in paths],
                         "fitted": [found.values[p] for p in paths],
                         "se": [found.se[p] for p in paths],
                         "low_90": [found.low[p] for p in paths],
                         "high_90": [found.high[p] for p in paths],
                         "search_low": [p.low for p in params],
                         "search_high": [p.high for p in params]})
    return StudyResult(
        "calibrate", f"{sc.name} calibrated to {history.name}",
        f"{len(params)} settings, {found.evaluations} candidates x {runs.reps} replications, "
        f"{months} months", lines,
        {"fit": fits, "goodness_of_fit": found.table, "monthly": monthly},
        {"calibration": calibration_chart(hist, band, monthly)}, store.root, written=written,
        notes=notes).save(runs.command)


def _sentences(found, params: list[Parameter], name: str, fit_months: int, holdout: int,
               reps: int, monthly: pd.DataFrame) -> list[str]:
    """What the fit found, in words."""
    lines = [f"Fitted to {fit_months} months of {name}: " + "; ".join(
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
        held = monthly[monthly["held_out"]]
        coverage = float(held["inside_band"].mean()) if len(held) else float("nan")
        lines.append(f"Out of sample: the calibrated scenario's 90% band holds the observed "
                     f"monthly revenue in {coverage:.0%} of the {holdout} months held out.")
    return lines
