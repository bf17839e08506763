"""Scenario discovery: the conditions under which a strategy shrinks turnover (PRIM).

Given sampled futures (one row of uncertain values each) and which of them are "of
interest" (the strategy shrinks turnover there), PRIM (Friedman and Fisher 1999, as in
EMA Workbench) peels a box of conditions that holds many futures of interest (coverage:
the share of all futures of interest inside the box) and few others (density: the share
of the futures inside the box that are of interest). The box is read as a rule: "shrinks
in 78% of futures where competitor.aggressiveness > 0.6 (coverage 64%)".
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.report.charts.studies import discovery_map, tradeoff_chart
from analysis.studies.common import Runs, StudyError, StudyResult, check_paths
from analysis.studies.per_point import per_point
from sim.experiments.designs import run_points
from sim.experiments.seeds import sample_uncertainties
from sim.scenario import Scenario

DENSITY_TARGET = 0.8
# A restriction is kept only if dropping it lowers the box's density by more than this:
# PRIM's late peels often trim a few points off a dimension that does not matter.
MIN_DENSITY_GAIN = 0.02
# Fewer futures of interest than this are too few to describe by conditions.
MIN_CASES = 5


@dataclass
class Rule:
    """A box of conditions and how well it singles out the futures of interest.

    Attributes:
        limits: ``{path: (low, high)}`` of the restricted dimensions; ``None`` for a side
            that is not restricted.
        coverage: share of all futures of interest that lie in the box.
        density: share of the futures in the box that are of interest.
        mass: share of all futures that lie in the box.

    """

    limits: dict[str, tuple[float | None, float | None]]
    coverage: float
    density: float
    mass: float

    def conditions(self) -> str:
        """The box as readable conditions, e.g. ``a > 0.6 and b < 0.4``."""
        parts = []
        for path, (lo, hi) in self.limits.items():
            if lo is not None and hi is not None:
                parts.append(f"{lo:.3g} ≤ {path} ≤ {hi:.3g}")
            elif lo is not None:
                parts.append(f"{path} > {lo:.3g}")
            else:
                parts.append(f"{path} < {hi:.3g}")
        return " and ".join(parts) if parts else "in any future"

    def sentence(self, what: str = "The strategy shrinks turnover") -> str:
        """The rule with its density and coverage, in words."""
        return (f"{what} in {self.density:.0%} of futures where "
                f"{self.conditions()}; these hold {self.coverage:.0%} of all such futures "
                f"and {self.mass:.0%} of all futures sampled.")


def _inside(X: pd.DataFrame, limits: dict) -> np.ndarray:
    mask = np.ones(len(X), dtype=bool)
    for path, (lo, hi) in limits.items():
        if lo is not None:
            mask &= X[path].to_numpy() >= lo
        if hi is not None:
            mask &= X[path].to_numpy() <= hi
    return mask


def box_stats(X: pd.DataFrame, y: np.ndarray, limits: dict) -> tuple[float, float, float]:
    """(coverage, density, mass) of a box of ``limits`` over futures ``X``, interest ``y``."""
    inside = _inside(X, limits)
    n_in, hits = int(inside.sum()), int(y[inside].sum())
    return (hits / max(int(y.sum()), 1), hits / n_in if n_in else 0.0, n_in / len(X))


def _limits(box_lim: pd.DataFrame, X: pd.DataFrame) -> dict:
    out = {}
    for path in box_lim.columns:
        lo, hi = float(box_lim[path].iloc[0]), float(box_lim[path].iloc[1])
        lo_r = lo > float(X[path].min())
        hi_r = hi < float(X[path].max())
        if lo_r or hi_r:
            out[path] = (lo if lo_r else None, hi if hi_r else None)
    return out


def _simplify(X: pd.DataFrame, y: np.ndarray, limits: dict) -> dict:
    """Drop, one by one, restrictions whose removal barely lowers the density."""
    limits = dict(limits)
    while limits:
        density = box_stats(X, y, limits)[1]
        losses = {p: density - box_stats(X, y, {k: v for k, v in limits.items() if k != p})[1]
                  for p in limits}
        weakest = min(losses, key=losses.get)
        if losses[weakest] > MIN_DENSITY_GAIN:
            break
        del limits[weakest]
    return limits


def find_rules(X: pd.DataFrame, y: np.ndarray, density_target: float = DENSITY_TARGET,
               max_rules: int = 2) -> tuple[list[Rule], pd.DataFrame]:
    """PRIM boxes of the futures of interest, read as rules.

    On each box's peeling trajectory the box chosen is the one with the best balance of
    coverage and density (their harmonic mean) among those of density at least
    ``density_target`` (raised halfway to 1 from the share of futures of interest, when
    that is higher), or among all if none reaches it; restrictions that do not raise its
    density are then dropped. Each later box is searched anew among the futures outside
    the earlier rules' boxes; coverage, density and mass are always over all futures.

    Args:
        X: one row per future, one numeric column per uncertain setting.
        y: True for the futures of interest.
        density_target: density a rule should reach.
        max_rules: at most this many rules.

    Fewer than :data:`MIN_CASES` futures of interest (or not of interest) give no rule.

    Returns:
        The rules, and the first box's peeling trajectory (coverage, density, res_dim) for
        the trade-off chart, with a ``chosen`` column.

    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    logging.getLogger("EMA").setLevel(logging.WARNING)

    y = np.asarray(y, dtype=bool)
    X = X.reset_index(drop=True).astype(float)
    rules, trajectory = [], None
    remaining = np.ones(len(X), dtype=bool)
    for _ in range(max_rules):
        Xr, yr = X[remaining].reset_index(drop=True), y[remaining]
        if yr.sum() < MIN_CASES or (~yr).sum() < MIN_CASES:
            break
        # Where most futures are of interest already, a rule must be denser than that to
        # say anything: halfway from the base rate to certainty.
        target = max(density_target, (1.0 + float(yr.mean())) / 2.0)
        with warnings.catch_warnings():
            # EMA Workbench 3.0 calls a pandas API pandas has deprecated; not ours to fix
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            box = prim.Prim(Xr, yr).find_box()
        if box is None:
            break
        traj = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].astype(float)
        ok = traj.index[traj["density"] >= target]
        f1 = (2 * traj["coverage"] * traj["density"]
              / (traj["coverage"] + traj["density"])).fillna(0.0)
        if f1.max() <= 0:
            break
        pick = (f1.loc[ok] if len(ok) else f1).idxmax()
        limits = _simplify(Xr, yr, _limits(box.box_lims[pick], Xr))
        if not limits:
            break
        coverage, density, mass = box_stats(X, y, limits)
        if trajectory is None:
            traj["chosen"] = traj.index == pick
            trajectory = traj
        if density <= y.mean():
            break
        rules.append(Rule(limits, coverage, density, mass))
        remaining &= ~_inside(X, limits)
    if trajectory is None:
        trajectory = pd.DataFrame(columns=["coverage", "density", "res_dim", "chosen"])
    return rules, trajectory


def run_discovery(base: Scenario, strategy: Scenario, samples: int, threshold: float,
                  runs: Runs) -> StudyResult:
    """Find the conditions under which ``strategy`` shrinks turnover (PRIM).

    ``samples`` futures are drawn from the baseline's uncertainties (a Latin hypercube);
    in each, both scenarios run ``runs.reps`` paired replications; a future counts as
    shrinking when the mean turnover change is below ``threshold`` percent. PRIM then
    describes the shrinking futures by boxes of conditions.
    """
    if not base.uncertainties:
        raise StudyError(f"{base.name}: declares no uncertainties: there is nothing to sample")
    check_paths(strategy, base.uncertain_paths(), "uncertainty")
    worlds = sample_uncertainties(base, samples, runs.seed)
    points = [{"base": w, "strategy": w} for w in worlds]
    scenarios = {"base": base, "strategy": strategy}
    weeks = runs.horizon(base)
    notes = runs.check(scenarios, weeks)
    # the threshold only changes the reading, not the runs: rerun with another at no cost
    store = runs.open("discover", scenarios, weeks, {"samples": samples})
    done = run_points(scenarios, points, store, runs.engine,
                      progress=runs.progress)
    pp = per_point(done, "strategy", "base").reset_index()
    X = pd.DataFrame(worlds)
    table = pd.concat([pp[["point"]], X, pp[["turnover_change_pct", "margin_change_pct",
                                             "p_shrink"]]], axis=1)
    table["shrinks"] = table["turnover_change_pct"] < threshold
    rules, trajectory = find_rules(X, table["shrinks"].to_numpy())
    shrinking = int(table["shrinks"].sum())
    what = (f"{strategy.name} shrinks turnover" if threshold == 0 else
            f"{strategy.name} changes turnover by less than {threshold:+.3g}%")
    lines = [f"{what} in {shrinking} of {samples} sampled futures ({shrinking / samples:.0%}), "
             f"each judged on the mean of {runs.reps} paired replications."]
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
    tables = {"rules": rule_table, "discover": table} if rules else {"discover": table}
    return StudyResult(
        "discover", f"Where {what} against {base.name}",
        f"{samples} futures x {runs.reps} replications, {weeks} weeks; uncertainties: "
        f"{', '.join(X.columns)}", lines, tables, figures, store.root, loss=shrinking > 0,
        notes=notes).save(runs.command)
