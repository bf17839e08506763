"""Sensitivity analysis: which uncertainty (or lever) moves an outcome most.

Three methods share one signature, as SALib's do: ``sample(factors, samples, seed)``
returns the design (one row per point, one column per factor) and ``analyze(factors, X, y,
seed)`` returns a table ranked by importance, one row per factor. Running the design is
the caller's business (see :func:`run_sensitivity` and
:func:`sim.experiments.designs.run_points`).

- ``tornado``: one at a time. Point 0 holds every factor at its base value; then each
  factor at its low and at its high value, the others at base. ``swing`` is
  ``y(high) - y(low)``; importance is its absolute value.
- ``morris``: elementary effects on ``samples`` trajectories of 4 levels (Morris 1991,
  Campolongo 2007); importance is ``mu_star``, the mean absolute elementary effect, in
  the outcome's units.
- ``sobol``: Saltelli's design of ``samples * (factors + 2)`` points; ``S1`` is the share
  of the outcome's variance due to the factor alone, ``ST`` with all its interactions;
  importance is ``ST``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from analysis.report.charts.studies import sensitivity_chart
from analysis.studies.common import Runs, StudyError, StudyResult, check_paths
from analysis.studies.per_point import per_point
from sim.experiments.designs import run_points, run_windowed
from sim.experiments.outcomes import OUTCOMES
from sim.scenario import Scenario, resolve_path


@dataclass(frozen=True)
class Factor:
    """A setting varied by a study.

    Attributes:
        path: dotted path of the setting.
        low: lowest value tried.
        high: highest value tried.
        base: the value as written in the scenario (the tornado's centre).
        world: True for an uncertainty of the world (set on baseline and strategy alike),
            False for a lever of the strategy (set on the strategy only).

    """

    path: str
    low: float
    high: float
    base: float
    world: bool = True


def _problem(factors: list[Factor]) -> dict:
    return {"num_vars": len(factors), "names": [f.path for f in factors],
            "bounds": [[f.low, f.high] for f in factors]}


def _ranked(table: pd.DataFrame) -> pd.DataFrame:
    table = table.sort_values("importance", ascending=False, kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.reset_index(drop=True)


class Tornado:
    """One factor at a time, low and high, the others at base."""

    name = "tornado"

    @staticmethod
    def sample(factors: list[Factor], samples: int = 0, seed: int = 0) -> np.ndarray:
        """Rows: the base point, then (low, high) of each factor in order."""
        base = np.array([f.base for f in factors], dtype=float)
        rows = [base]
        for i, f in enumerate(factors):
            for v in (f.low, f.high):
                row = base.copy()
                row[i] = v
                rows.append(row)
        return np.array(rows)

    @staticmethod
    def analyze(factors: list[Factor], X: np.ndarray, y: np.ndarray,
                seed: int = 0) -> pd.DataFrame:
        """Outcome at low and high of each factor, the swing, and its sign."""
        y = np.asarray(y, dtype=float)
        rows = []
        for i, f in enumerate(factors):
            lo, hi = y[1 + 2 * i], y[2 + 2 * i]
            rows.append({"factor": f.path, "point_low": 1 + 2 * i, "low": f.low,
                         "high": f.high, "y_base": y[0],
                         "y_low": lo, "y_high": hi, "swing": hi - lo,
                         "importance": abs(hi - lo)})
        return _ranked(pd.DataFrame(rows))


class Morris:
    """Elementary effects (screening): cheap, ranks factors, flags interactions (sigma)."""

    name = "morris"
    levels = 4

    @classmethod
    def sample(cls, factors: list[Factor], samples: int = 10, seed: int = 0) -> np.ndarray:
        """``samples`` trajectories of ``len(factors) + 1`` points each."""
        return morris_sample.sample(_problem(factors), samples, num_levels=cls.levels,
                                    seed=seed)

    @classmethod
    def analyze(cls, factors: list[Factor], X: np.ndarray, y: np.ndarray,
                seed: int = 0) -> pd.DataFrame:
        """``mu_star`` (importance), ``mu`` (signed mean effect), ``sigma`` and the CI."""
        si = morris_analyze.analyze(_problem(factors), np.asarray(X), np.asarray(y, float),
                                    num_levels=cls.levels, seed=seed)
        table = pd.DataFrame({"factor": [f.path for f in factors], "mu_star": si["mu_star"],
                              "mu_star_conf": si["mu_star_conf"], "mu": si["mu"],
                              "sigma": si["sigma"]})
        table["importance"] = table["mu_star"]
        return _ranked(table)


class Sobol:
    """Variance-based indices: the share of the outcome's variance each factor explains."""

    name = "sobol"

    @staticmethod
    def sample(factors: list[Factor], samples: int = 64, seed: int = 0) -> np.ndarray:
        """Saltelli's design, ``samples`` rounded up to a power of two."""
        n = 1 << max(int(samples) - 1, 1).bit_length()
        return sobol_sample.sample(_problem(factors), n, calc_second_order=False, seed=seed)

    @staticmethod
    def analyze(factors: list[Factor], X: np.ndarray, y: np.ndarray,
                seed: int = 0) -> pd.DataFrame:
        """First-order ``S1`` and total ``ST`` indices with their 95% intervals."""
        y = np.asarray(y, dtype=float)
        if np.var(y) == 0:
            s = np.zeros(len(factors))
            si = {"S1": s, "S1_conf": s, "ST": s, "ST_conf": s}
        else:
            si = sobol_analyze.analyze(_problem(factors), y, calc_second_order=False,
                                       seed=seed)
        table = pd.DataFrame({"factor": [f.path for f in factors], "S1": si["S1"],
                              "S1_conf": si["S1_conf"], "ST": si["ST"],
                              "ST_conf": si["ST_conf"]})
        table["importance"] = table["ST"]
        return _ranked(table)


METHODS = {m.name: m for m in (Tornado, Morris, Sobol)}


def sensitivity_sentences(table: pd.DataFrame, method: str, label: str) -> list[str]:
    """The ranking in words: the headline, the top factors' figures, the least important."""
    top = table.iloc[0]
    out = [f"{label[0].upper()}{label[1:]} is most sensitive to {top['factor']}"
           + (f", then {table.iloc[1]['factor']}." if len(table) > 1 else ".")]
    for row in table.head(3).itertuples():
        if method == "tornado":
            ci = (f" [{row.y_base_ci_low:+.3g}, {row.y_base_ci_high:+.3g}]"
                  if hasattr(row, "y_base_ci_low") else "")
            out.append(f"{row.rank}. {row.factor}: {label} {row.y_low:+.3g} at {row.low:.3g}, "
                       f"{row.y_high:+.3g} at {row.high:.3g} (all at base: {row.y_base:+.3g}"
                       f"{ci}).")
        elif method == "morris":
            out.append(f"{row.rank}. {row.factor}: mean absolute effect μ* {row.mu_star:.3g} "
                       f"± {row.mu_star_conf:.2g} (signed mean {row.mu:+.3g}, spread σ "
                       f"{row.sigma:.3g}; σ above μ* means interactions or nonlinearity).")
        else:
            out.append(f"{row.rank}. {row.factor}: explains {row.ST:.0%} of the variance with "
                       f"its interactions, {row.S1:.0%} alone.")
    if len(table) > 3:
        last = table.iloc[-1]
        out.append(f"Least important: {last['factor']} "
                   f"(importance {last['importance']:.3g} against {top['importance']:.3g}).")
    return out


def outcome_column(output: str, against: bool, from_week: int = 1) -> tuple[str, str]:
    """(column of the per-point table, label) for an outcome (StudyError if unknown).

    Against a baseline, turnover and margin are read as ``compare``'s headline: the
    paired change over ``[from_week, horizon]`` (the strategy's first effect week on).
    """
    if output not in (*OUTCOMES, "p_shrink"):
        raise StudyError(f"--output {output}: one of {', '.join((*OUTCOMES, 'p_shrink'))}")
    if not against:
        if output == "p_shrink":
            raise StudyError("--output p_shrink needs --against BASELINE (shrink against what?)")
        return output, output
    if output in ("turnover", "margin"):
        return f"{output}_after_change_pct", f"{output} change after week {from_week} (%)"
    if output == "conflicts_per_100_deals":
        return "change_conflicts_per_100_deals", "change in conflicts per 100 deals"
    return output, output


def with_intervals(table: pd.DataFrame, pp: pd.DataFrame, column: str,
                   label: str) -> pd.DataFrame:
    """A tornado's table labelled with its outcome and each value's 95% interval.

    ``pp`` is the per-point table: point 0 is the base, points ``1 + 2i`` and ``2 + 2i``
    factor ``i`` at low and high (:meth:`Tornado.sample`); the factors are found by the
    table's ``low`` and ``high`` points, whatever its rank order.
    """
    table = table.copy()
    table.insert(1, "outcome", label)
    if f"{column}_low" not in pp:
        return table
    lo, hi = pp[f"{column}_low"].to_numpy(), pp[f"{column}_high"].to_numpy()
    order = table["point_low"].to_numpy()
    for key, points in (("y_base", np.zeros(len(table), dtype=int)), ("y_low", order),
                        ("y_high", order + 1)):
        at = table.columns.get_loc(key) + 1
        table.insert(at, f"{key}_ci_low", lo[points])
        table.insert(at + 1, f"{key}_ci_high", hi[points])
    return table


def study_factors(strategy: Scenario, base: Scenario | None,
                  extra: list[tuple[str, float, float, int]]) -> list[Factor]:
    """The baseline's uncertainties plus the extra settings, as factors (StudyError if none)."""
    world = base or strategy
    check_paths(strategy, [p for p, *_ in extra], "--factor")
    declared = world.uncertain_ranges()
    ranges = dict(declared)
    ranges.update({p: (lo, hi) for p, lo, hi, _ in extra})
    if not ranges:
        raise StudyError(f"{world.name}: declares no uncertainties and no --factor was given: "
                         "nothing to vary")
    return [Factor(p, lo, hi, float(resolve_path(strategy, p)), p in declared)
            for p, (lo, hi) in sorted(ranges.items())]


DEFAULT_SAMPLES = {"tornado": 0, "morris": 10, "sobol": 64}


def run_sensitivity(strategy: Scenario, base: Scenario | None, method: str,
                    samples: int | None, output: str,
                    extra: list[tuple[str, float, float, int]], runs: Runs) -> StudyResult:
    """Which uncertainty (or lever) moves ``output`` most, by ``method``.

    Args:
        strategy: the scenario whose outcome is studied (the strategy, with ``base``).
        base: a baseline: the outcome becomes the paired change against it.
        method: ``tornado``, ``morris`` or ``sobol``.
        samples: Morris trajectories or Sobol base samples (default 10 or 64).
        output: an outcome (``sim.experiments.outcomes.OUTCOMES``) or ``p_shrink``.
        extra: further settings to vary, ``(path, low, high, 0)`` each (uncertainties of
            the baseline are set on both sides, other settings on the strategy only).
        runs: how the study runs.

    """
    if method not in METHODS:
        raise StudyError(f"--method {method}: one of {', '.join(METHODS)}")
    first = strategy.rollout.first_effect_week() if strategy.rollout is not None else 1
    column, label = outcome_column(output, base is not None, first)
    factors = study_factors(strategy, base, extra)
    m = METHODS[method]
    X = m.sample(factors, samples or DEFAULT_SAMPLES[method], runs.seed)
    points = []
    for row in X:
        values = {f.path: float(v) for f, v in zip(factors, row, strict=True)}
        point = {"strategy": values}
        if base is not None:
            point["base"] = {f.path: values[f.path] for f in factors if f.world}
        points.append(point)
    scenarios = {"strategy": strategy, **({"base": base} if base is not None else {})}
    weeks = runs.horizon(strategy)
    notes = runs.check(scenarios, weeks)
    store = runs.open("sensitivity", scenarios, weeks, {
        "method": method, "output": output, "factors": [f.__dict__ for f in factors],
        "points": len(points)})
    # against a baseline, each run also keeps compare's headline window
    fn = functools.partial(run_windowed, from_week=first) if base is not None else None
    done = run_points(scenarios, points, store, runs.engine, progress=runs.progress, fn=fn)
    pp = per_point(done, "strategy", "base" if base is not None else None)
    y = pp[column].to_numpy()
    if not np.isfinite(y).all():
        bad = [int(i) for i in pp.index[~np.isfinite(y)]][:5]
        raise StudyError(f"--output {output}: not a number at points {bad} (e.g. a baseline "
                         "with no turnover); choose another output or other ranges")
    table = m.analyze(factors, X, y, runs.seed)
    if method == "tornado":
        table = with_intervals(table, pp, column, label)
    design = pp.reset_index()
    for i, f in enumerate(factors):
        design.insert(1 + i, f.path, X[:, i])
    what = strategy.name + (f" against {base.name}" if base is not None else "")
    return StudyResult(
        "sensitivity", f"Sensitivity of {what}: {label}",
        f"{method}, {len(factors)} factors, {len(points)} points x {runs.reps} futures, "
        f"{weeks} weeks", sensitivity_sentences(table, method, label),
        {"sensitivity": table, "design": design},
        {"sensitivity": sensitivity_chart(table, method, label)}, store.root,
        notes=notes).save(runs.command)
