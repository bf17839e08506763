"""Calibration by the simulated method of moments: fit settings to a client's history.

The history and each simulated run are reduced to the same summary moments; the fitted
settings minimise the weighted distance between the history's moments and the mean of
the simulated runs' moments, every candidate being simulated with the same replication
seeds (common random numbers), so the distance changes with the settings and not with luck.

Moments (only for channels with revenue in the history):

- ``level:<channel>``: log of the mean monthly revenue;
- ``trend:<channel>`` and ``trend``: least-squares slope of log monthly revenue (of the
  channel, of the total), per year;
- ``share:<channel>``: the channel's share of total revenue;
- ``variability``: standard deviation of month-to-month changes of log total revenue;
- ``top20``: share of partner revenue made by the top 20% of partners (with ``partner_id``).

Each moment's weight is one over its variance across the simulated replications at the
starting settings (a diagonal weighting, so a moment counts by how precisely the model
pins it down). The search is SciPy's differential evolution over the ranges (each
generation simulated in parallel), then Nelder-Mead from its best point. The fitted
values' standard errors come from the local curvature, with the sandwich form that
allows for correlated moments: with Jacobian ``G`` of the mean moments (central
differences, common random numbers), weights ``W``, ``B = G' W G`` and ``Omega`` the
moments' covariance across replications at the fitted values,
``Var = (1 + 1/S) B^-1 G' W Omega W G B^-1`` for ``S`` replications per candidate, with
``Omega`` from runs on seeds apart from the objective's. The fit test and the
identification flags are ``analysis.studies.fit_test``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import differential_evolution, minimize

from analysis.studies.history import History

Z90 = 1.6448536269514722


def top20_share(values: np.ndarray) -> float:
    """Share of the total made by the largest 20% of the positive values (at least one)."""
    v = np.sort(np.asarray(values, dtype=float))[::-1]
    v = v[v > 0]
    if v.size == 0:
        return 0.0
    k = max(1, int(round(0.2 * v.size)))
    return float(v[:k].sum() / v.sum())


def log_revenue(series: np.ndarray) -> np.ndarray:
    """Log revenue, months below 1% of the mean held at 1% of the mean.

    A month without sales would otherwise be minus infinity (or a huge negative number) and
    swamp the trend and the variability.
    """
    floor = max(0.01 * float(np.mean(series)), 1e-9)
    return np.log(np.maximum(series, floor))


def _slope(t: np.ndarray, series: np.ndarray) -> float:
    """Least-squares slope of log revenue against time in years."""
    return float(np.polyfit(t, log_revenue(series), 1)[0])


def moments(channels: pd.DataFrame, partners: np.ndarray | None,
            names: list[str] | None = None) -> dict[str, float]:
    """The summary moments of monthly revenue by channel (and partners' totals).

    Args:
        channels: one row per month, one column per channel.
        partners: revenue per partner over the period, or None.
        names: the moments wanted (default: all that the data allow).

    """
    total = channels.sum(axis=1).to_numpy()
    t = np.arange(len(total)) / 12.0
    out = {}
    for c in channels.columns:
        series = channels[c].to_numpy()
        mean = float(series.mean())
        if names is None and mean <= 0:
            continue
        out[f"level:{c}"] = float(np.log(max(mean, 1e-9)))
        out[f"trend:{c}"] = _slope(t, series)
        out[f"share:{c}"] = float(series.sum() / max(total.sum(), 1e-9))
    out["trend"] = _slope(t, total)
    out["variability"] = float(np.std(np.diff(log_revenue(total)), ddof=1))
    if partners is not None:
        out["top20"] = top20_share(partners)
    if names is not None:
        return {n: out.get(n, 0.0) for n in names}
    return out


def reported_channels(result: dict, names: list[str], months: int) -> pd.DataFrame:
    """A run's monthly revenue of the channels the history reports (a ``level:`` moment)."""
    channels = [n.split(":", 1)[1] for n in names if n.startswith("level:")]
    return pd.DataFrame(result["channels"])[channels].iloc[:months]


def run_moments(result: dict, names: list[str], months: int) -> np.ndarray:
    """The moments of one simulated run (a :func:`sim.history.run_history` result).

    Only the channels the history reports (those with a ``level:`` moment) count, so the
    total and the shares mean the same on both sides.
    """
    ch = reported_channels(result, names, months)
    partners = (np.asarray(result["partners"])[:months].sum(axis=0) if "top20" in names
                else None)
    m = moments(ch, partners, names)
    return np.array([m[n] for n in names])


@dataclass
class Parameter:
    """A setting to fit, searched over ``[low, high]``."""

    path: str
    low: float
    high: float


@dataclass
class Fit:
    """What a calibration found.

    Attributes:
        values: fitted value per path.
        se: standard error per path (local curvature; infinite when no moment responds
            to the setting: the history does not identify it).
        low, high: 90% interval per path (clipped to the search range).
        distance: the weighted distance at the fitted values.
        evaluations: candidates simulated by the search.
        table: goodness of fit, one row per moment: observed, simulated mean and sd, z.
        cov: the fitted values' covariance (order of the parameters; infinite rows and
            columns for a setting not identified).
        jacobian: ``G``, the mean moments' derivatives at the fitted values.
        weights: the diagonal of ``W``.
        residual: observed less simulated mean moments at the fitted values (``g``).
        omega: the moments' covariance ``Omega`` at the fitted values (separate seeds).
        reps: ``S``, replications per candidate in the objective.
        omega_runs: the runs ``Omega`` was estimated from.

    """

    values: dict[str, float]
    se: dict[str, float]
    low: dict[str, float]
    high: dict[str, float]
    distance: float
    evaluations: int
    table: pd.DataFrame
    cov: np.ndarray
    jacobian: np.ndarray
    weights: np.ndarray
    residual: np.ndarray
    omega: np.ndarray
    reps: int
    omega_runs: int


# simulate(list of settings) -> array (candidates, replications, moments)
Simulate = Callable[[list[dict[str, float]]], np.ndarray]
# omega(settings) -> moments of runs on seeds apart from the objective's, (runs, moments)
OmegaRuns = Callable[[dict[str, float]], np.ndarray]


def default_budget(n_params: int) -> int:
    """Candidates a search over ``n_params`` settings gets by default: 20 + 40 per setting.

    Half goes to differential evolution, whose population is ``5 * n`` candidates (at least
    10): one setting gets 6 generations, three get 4, so the search keeps several rounds of
    selection as the space grows instead of stopping after the first two; Nelder-Mead
    spends the rest from the best point.
    """
    return 20 + 40 * n_params


def calibrate(simulate: Simulate, params: list[Parameter], observed: dict[str, float],
              start: dict[str, float], budget: int | None = None, seed: int = 0,
              omega: OmegaRuns | None = None) -> Fit:
    """Fit ``params`` so that simulated moments match ``observed``.

    Args:
        simulate: runs candidate settings (each with the same replication seeds) and
            returns their moments, shape ``(candidates, replications, moments)`` in the
            order of ``observed``.
        params: the settings to fit and their search ranges.
        observed: the history's moments.
        start: the scenario's own values (weights are estimated there).
        budget: about how many candidates the search may simulate (None: the
            :func:`default_budget` for the number of settings).
        seed: the search's seed.
        omega: the moments of runs at given settings on seeds apart from the
            objective's (at least ten per moment for the fit test); default: the
            objective's own replications at the fitted values.

    """
    names = list(observed)
    obs = np.array([observed[n] for n in names])
    lo = np.array([p.low for p in params])
    hi = np.array([p.high for p in params])
    budget = default_budget(len(params)) if budget is None else budget

    def settings(x: np.ndarray) -> dict[str, float]:
        return {p.path: float(v) for p, v in zip(params, x, strict=True)}

    at_start = simulate([settings(np.array([start[p.path] for p in params]))])[0]
    sd = at_start.std(axis=0, ddof=1)
    # a moment the model pins exactly (sd 0) still counts, as if known to 1% of its size
    sd = np.where(sd > 0, sd, np.maximum(0.01 * np.abs(obs), 1e-6))
    w = 1.0 / sd**2
    search = _Search(simulate, settings, obs, w, lo, hi)
    best = search.run(budget, seed)
    G, sims = _jacobian(simulate, settings, best, lo, hi)
    search.evaluations += 2 * len(params) + 1
    reps = sims.shape[1]
    runs = omega(settings(best)) if omega is not None else sims[0]
    spread = np.cov(runs, rowvar=False)
    cov = _sandwich(G, w, spread, reps)
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    at_best = sims[0]
    residual = obs - at_best.mean(axis=0)
    table = pd.DataFrame({
        "moment": names, "observed": obs, "simulated": at_best.mean(axis=0),
        "simulated_sd": at_best.std(axis=0, ddof=1)})
    table["z"] = (table["observed"] - table["simulated"]) / np.where(
        table["simulated_sd"] > 0, table["simulated_sd"], np.nan)
    return Fit(values=settings(best), se=dict(zip([p.path for p in params], se, strict=True)),
               low={p.path: float(max(p.low, best[i] - Z90 * se[i]))
                    for i, p in enumerate(params)},
               high={p.path: float(min(p.high, best[i] + Z90 * se[i]))
                     for i, p in enumerate(params)},
               distance=float((residual**2 * w).sum()), evaluations=search.evaluations,
               table=table, cov=cov, jacobian=G, weights=w, residual=residual, omega=spread,
               reps=reps, omega_runs=len(runs))


class _Search:
    """Differential evolution over the ranges, then Nelder-Mead from its best point."""

    def __init__(self, simulate, settings, obs, w, lo, hi):
        self.simulate, self.settings, self.obs, self.w = simulate, settings, obs, w
        self.lo, self.span = lo, hi - lo
        self.evaluations = 1      # the start, where the weights were estimated

    def distance(self, batch: np.ndarray) -> np.ndarray:
        xs = np.atleast_2d(batch.T) if batch.ndim == 2 else batch[None, :]
        sims = self.simulate([self.settings(x) for x in xs]).mean(axis=1)
        self.evaluations += len(xs)
        return ((sims - self.obs) ** 2 * self.w).sum(axis=1)

    def run(self, budget: int, seed: int) -> np.ndarray:
        lo, span = self.lo, self.span
        d = len(lo)
        popsize = max(5, int(np.ceil(10 / d)))
        generations = max(1, (budget // 2) // (popsize * d))
        res = differential_evolution(lambda us: self.distance(lo[:, None] + us * span[:, None]),
                                     [(0.0, 1.0)] * d, popsize=popsize,
                                     maxiter=generations - 1, rng=np.random.default_rng(seed),
                                     vectorized=True, updating="deferred", polish=False, tol=0,
                                     init="latinhypercube")
        left = max(budget - self.evaluations, 2 * d + 2)
        simplex = np.vstack([res.x] + [np.clip(res.x + 0.1 * np.eye(d)[i], 0, 1)
                                        if res.x[i] < 0.9 else res.x - 0.1 * np.eye(d)[i]
                                        for i in range(d)])
        local = minimize(lambda u: float(self.distance(lo + np.clip(u, 0.0, 1.0) * span)[0]),
                         res.x, method="Nelder-Mead", bounds=[(0.0, 1.0)] * d,
                         options={"maxfev": left, "initial_simplex": simplex, "xatol": 1e-3,
                                  "fatol": 1e-3})
        best_u = local.x if local.fun <= res.fun else res.x
        return lo + np.clip(best_u, 0.0, 1.0) * span


def _jacobian(simulate, settings, best, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    """Central differences of the mean moments (common random numbers) and the runs."""
    d = len(best)
    h = 0.02 * (hi - lo)
    probes = []
    for i in range(d):
        for sign in (1, -1):
            x = best.copy()
            x[i] = np.clip(x[i] + sign * h[i], lo[i], hi[i])
            probes.append(x)
    sims = simulate([settings(best)] + [settings(x) for x in probes])
    mean = sims.mean(axis=1)
    G = np.column_stack([(mean[1 + 2 * i] - mean[2 + 2 * i])
                         / (probes[2 * i][i] - probes[2 * i + 1][i]) for i in range(d)])
    return G, sims


def _sandwich(G: np.ndarray, w: np.ndarray, spread: np.ndarray, reps: int) -> np.ndarray:
    """``(1 + 1/S) B^-1 G'W Omega W G B^-1``; infinite where the history identifies nothing.

    A direction in which no moment moves is not identified by the history: pinv would
    report zero variance there. Every setting that loads on such a direction gets an
    infinite variance (its interval is the whole search range).
    """
    info = G.T @ (w[:, None] * G)
    bread = np.linalg.pinv(info)
    meat = G.T @ (w[:, None] * spread * w[None, :]) @ G
    cov = (1.0 + 1.0 / reps) * bread @ meat @ bread
    vals, vecs = np.linalg.eigh(info)
    flat = vals <= 1e-9 * max(float(vals.max()), 1e-300)
    d = len(info)
    unidentified = (np.abs(vecs[:, flat]) > 0.1).any(axis=1) if flat.any() else np.zeros(d, bool)
    cov[unidentified, :] = np.inf
    cov[:, unidentified] = np.inf
    return cov


def observed_moments(history: History) -> dict[str, float]:
    """The history's moments."""
    return moments(history.channels, history.partners)
