"""Calibrating a scenario to a client's sales history: the study around the fit.

The fit itself (moments, search, standard errors) is ``analysis.studies.calibration``, its
test and the identification flags ``analysis.studies.fit_test``, the calibrated file
``analysis.studies.fitted_file`` and the forecast check ``analysis.studies.forecast``;
this module runs the candidates on the engines into a resumable folder (the
:class:`Simulator`), ties the parts together and says what the fit found.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.report.charts.calibration import calibration_chart, forecast_coverage
from analysis.studies.calibration import (
    Parameter,
    calibrate,
    default_budget,
    moments,
    reported_channels,
    run_moments,
)
from analysis.studies.common import Runs, StudyError, StudyResult, Tally, check_paths
from analysis.studies.fit_test import (
    identification,
    identification_sentences,
    j_sentence,
    j_test,
    tested,
)
from analysis.studies.fitted_file import (
    band_draws,
    calibrated_scenario,
    fitted_sentence,
    fitted_uncertainties,
    write_calibrated,
)
from analysis.studies.forecast import holdout_coverage, holdout_sentence
from analysis.studies.history import MIN_MONTHS, read_history
from analysis.studies.seasons import (
    REFINE_STEPS,
    SeasonFit,
    fit_seasons,
    month_effects,
    season_sentence,
    season_values,
    with_flat_seasons,
)
from sim.experiments.designs import run_jobs
from sim.experiments.history import run_history, weeks_for
from sim.experiments.seeds import Job, replication_seeds
from sim.experiments.settings import set_values
from sim.scenario import Scenario, resolve_path

BAND_REPS = 20
# the fit test's Omega: at least this many runs per tested moment (fewer make J reject
# too often, an estimated Omega being too small in some directions by chance)
OMEGA_PER_MOMENT = 10


class Simulator:
    """Runs candidate settings as histories on an engine, into a study folder.

    Candidates are numbered in the order they are asked for, so a rerun with the same seed
    finds each stored. ``fixed`` settings (fitted seasons) join every candidate.
    Replication ``r`` of every candidate uses the study's seed child
    ``r``: the objective's ``S`` replications are children ``0 .. S-1``, and runs asked for
    with ``offset`` use children from there on (seeds apart from the objective's).
    """

    def __init__(self, scenario, months: int, runs: Runs, store, tally: Tally,
                 names: list[str], fit_months: int):
        self.scenario, self.months, self.runs = scenario, months, runs
        self.store, self.tally = store, tally
        self.names, self.fit_months = names, fit_months
        self.next = 0
        self.fixed: dict[str, float] = {}

    def results(self, candidates: list[dict[str, float]], reps: int | None = None,
                offset: int = 0):
        """Each candidate's runs (lists of :func:`sim.experiments.history.run_history`).

        A candidate may be a list of settings, one per replication (a band's draws).
        """
        reps = reps or self.runs.reps
        seeds = replication_seeds(self.runs.seed, offset + reps)
        jobs = [Job("model", offset + r, seeds[offset + r], self.months,
                    {**self.fixed, **(c[r] if isinstance(c, list) else c)},
                    point=self.next + i)
                for i, c in enumerate(candidates) for r in range(reps)]
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
        budget: candidates the search may simulate (None: 20 + 40 per setting, see
            :func:`analysis.studies.calibration.default_budget`).
        holdout: months at the end kept out of the fit (the forecast is checked on them).
        also: strategies (file -> scenario) to calibrate the same way.
        omega_runs: runs on separate seeds for the moments' covariance (None: ten per
            moment the fit test uses; fewer leave the fit test out).
        seasons: fit ``market.seasonality`` from the history where it shows seasons
            (``analysis.studies.seasons``).

    """

    params: list[Parameter]
    budget: int | None = None
    holdout: int = 0
    also: dict[Path, Scenario] = field(default_factory=dict)
    omega_runs: int | None = None
    seasons: bool = True


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
    total = used.channels.sum(axis=1).to_numpy()
    seasonal = fitting.seasons and month_effects(total).shown(fit_months)
    if seasonal:            # the factors are set by path, so the scenario needs a list
        sc = with_flat_seasons(sc)
        fitting = replace(fitting, also={f: with_flat_seasons(st)
                                         for f, st in fitting.also.items()})
    budget = fitting.budget or default_budget(len(params))
    omega_runs = fitting.omega_runs or OMEGA_PER_MOMENT * len(tested(list(observed)))
    notes = runs.check({"model": sc}, weeks_for(months))
    digest = hashlib.sha256(history.read_bytes()).hexdigest()
    store = runs.open("calibrate", {"model": sc}, months, {
        "fit": [p.__dict__ for p in params], "history": digest, "budget": budget,
        "holdout": fitting.holdout, "omega_runs": omega_runs, "seasons": seasonal})
    start = {p.path: float(resolve_path(sc, p.path)) for p in params}
    # the search's budget, the start, the curvature probes, Omega, then the band
    tally = Tally(runs.progress, (budget + 2 * len(params) + 2 + REFINE_STEPS * seasonal)
                  * runs.reps + omega_runs + BAND_REPS)
    sim = Simulator(sc, months, runs, store, tally, list(observed), fit_months)
    seasons = (fit_seasons(total, _season_runs(sim, len(total))) if fitting.seasons
               else SeasonFit(month_effects(total), None, None, asked=False))
    if seasons.fitted is not None:
        sim.fixed = season_values(seasons.fitted)
        sc = set_values(sc, sim.fixed)
        fitting = replace(fitting, also={f: set_values(st, sim.fixed)
                                         for f, st in fitting.also.items()})
    reference = []

    def omega(values: dict[str, float]) -> np.ndarray:
        reference[:] = sim.results([values], omega_runs, offset=runs.reps)[0]
        return sim.moments(reference)

    found = calibrate(sim, params, observed, start, budget, runs.seed, omega)
    test = (j_test(found, list(observed)) if omega_runs >= OMEGA_PER_MOMENT
            * len(tested(list(observed))) else None)
    ident = identification(found, params, list(observed))
    fitted = fitted_uncertainties(sc, found, params)
    calibrated = calibrated_scenario(sc, found, fitted)
    written = _write(target, source, sc, found, fitted, fitting, (
        history.name, f"({fit_months} months, {runs.reps} replications per candidate).",
        ("market.seasonality",) if seasons.fitted is not None else ()))
    draws = band_draws(calibrated, found, fitted, BAND_REPS, runs.seed)
    band = sim.results([[{**found.values, **d} for d in draws]], BAND_REPS,
                       offset=runs.reps + omega_runs)[0]
    monthly = forecast_coverage(hist, band, fit_months)
    holdout = holdout_coverage(hist, band, reference, fit_months) if fitting.holdout else None
    lines = _sentences(found, params, history.name, fit_months, runs.reps)
    lines.append(season_sentence(seasons, fit_months))
    lines += identification_sentences(ident)
    lines.append(j_sentence(test) if test is not None else
                 f"Fit test left out: Omega from {omega_runs} runs, fewer than "
                 f"{OMEGA_PER_MOMENT} per tested moment.")
    if holdout is not None:
        lines.append(holdout_sentence(holdout))
    lines.append(fitted_sentence(fitted))
    lines.append(f"Written: {', '.join(map(str, written))}; compare strategies against the "
                 "calibrated baseline with the calibrated strategies.")
    tables = {"fit": _fit_table(found, params, start, ident), "goodness_of_fit": _goodness(
        found.table, test), "monthly": monthly}
    if test is not None:
        tables["fit_test"] = pd.DataFrame([{
            "J": test.stat, "df": test.df, "p_value": test.p_value, "rejects": test.rejects,
            "omega_runs": test.omega_runs, "failing": " ".join(test.failing)}])
    if holdout is not None:
        tables["holdout"] = holdout
    tables["seasons"] = _season_table(seasons)
    return StudyResult(
        "calibrate", f"{sc.name} calibrated to {history.name}",
        f"{len(params)} settings, {found.evaluations} candidates x {runs.reps} replications, "
        f"{months} months", lines, tables,
        {"calibration": calibration_chart(hist, band, monthly)}, store.root, written=written,
        notes=notes).save(runs.command)


def _season_runs(sim: Simulator, months: int):
    """Seasonal factors -> ``[runs, months]`` simulated monthly totals (at the start values)."""
    def simulate(factors: np.ndarray) -> np.ndarray:
        runs = sim.results([season_values(factors)])[0]
        return np.array([reported_channels(r, sim.names, months).sum(axis=1).to_numpy()
                         for r in runs])

    return simulate


def _season_table(seasons: SeasonFit) -> pd.DataFrame:
    """Per month: the history's effect, the fitted factor, the model's effect with it."""
    n = len(seasons.observed.effects)
    return pd.DataFrame({
        "month": np.arange(1, n + 1), "observed_effect": seasons.observed.effects,
        "fitted_factor": seasons.fitted if seasons.fitted is not None else np.nan,
        "simulated_effect": seasons.simulated if seasons.simulated is not None else np.nan,
        "p_value": seasons.observed.p_value})


def _write(target: Path, source: Path, sc: Scenario, found, fitted, fitting: Fitting,
           words: tuple[str, str, tuple[str, ...]]) -> list[Path]:
    """Write the calibrated baseline and each ``--also`` strategy calibrated the same way.

    ``words``: the history's name, how it was fitted, further paths to write (seasons).
    """
    name, how, also_paths = words
    written = [write_calibrated(target, source, sc, found, fitted,
                                f"{sc.name} calibrated to {name} by channelsim calibrate {how}",
                                also_paths)]
    for f, st in fitting.also.items():
        own = fitted_uncertainties(st, found, fitting.params)
        written.append(write_calibrated(
            target.parent / f"{f.stem}_calibrated.yaml", f, st, found, own,
            f"{st.name} with the settings calibrated to {name} (see {target.name}).",
            also_paths))
    return written


def _fit_table(found, params: list[Parameter], start: dict, ident: dict) -> pd.DataFrame:
    paths = [p.path for p in params]
    return pd.DataFrame({
        "parameter": paths, "start": [start[p] for p in paths],
        "fitted": [found.values[p] for p in paths], "se": [found.se[p] for p in paths],
        "low_90": [found.low[p] for p in paths], "high_90": [found.high[p] for p in paths],
        "search_low": [p.low for p in params], "search_high": [p.high for p in params],
        "width_share": [ident[p].width_share for p in paths],
        "clipped": [" ".join(ident[p].clipped) for p in paths],
        "weak": [ident[p].weak for p in paths]})


def _goodness(table: pd.DataFrame, test) -> pd.DataFrame:
    """The goodness-of-fit table with each tested moment's residual after the fit."""
    out = table.copy()
    out["z_after_fit"] = out["moment"].map(test.z) if test is not None else np.nan
    return out


def _sentences(found, params: list[Parameter], name: str, fit_months: int,
               reps: int) -> list[str]:
    """What the fit found, in words."""
    lines = [f"Fitted to {fit_months} months of {name}: " + "; ".join(
        f"{p.path} = {found.values[p.path]:.4g} (90% interval {found.low[p.path]:.4g} to "
        f"{found.high[p.path]:.4g})" for p in params) + "."]
    for p in params:
        v, edge = found.values[p.path], 0.01 * (p.high - p.low)
        if np.isfinite(found.se[p.path]) and (v - p.low < edge or p.high - v < edge):
            lines.append(f"{p.path} ends at the edge of its search range ({v:.4g}): widen the "
                         "range, or the model cannot reproduce the history with it alone.")
    worst = found.table.loc[found.table["z"].abs().idxmax()]
    lines.append(f"Largest gap: {worst['moment']}, observed {worst['observed']:.4g}, simulated "
                 f"{worst['simulated']:.4g} ({abs(worst['z']):.1f} simulated standard "
                 f"deviations); {found.evaluations} candidates simulated {reps} times each.")
    return lines
