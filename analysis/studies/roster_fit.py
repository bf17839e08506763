"""A baseline that reproduces the client's roster: each agent's starting point solved.

The roster says what each distributor bought and each partner sold last year. The model's
first simulated year should say the same, agent by agent, or a verdict about "D07" is about
a company the model does not know. Two things about an agent are not in its row and are
solved here: its **size** (its effort budget and reach; where the roster gives no
``capacity``) and its **outside option** (``alt_margin``, the margin it would earn on the
competitor's line, which with the brand's margin sets where its commitment settles).

One figure cannot pin two unknowns, so each lever has its own target:

- the outside option is solved so that the agent's mean commitment over the first year is
  its **commitment goal**: the starting commitment the network's prior gives it
  (``network.initial_commitment``; bigger agents more committed), at least ``GOAL_FLOOR``.
  Without this the economics of the template make about half of the example client's
  sellers defect in the warm-up, whatever their size: an agent the roster shows selling
  is an agent for which the brand is worth it;
- the size is solved so that its first simulated year matches the roster. Where the roster
  gives a ``capacity`` the size is that, and the commitment goal moves instead
  (``goal <- goal * step ** 0.5``, within ``[GOAL_FLOOR, GOAL_CAP]``, the floor at least
  ``ABOVE_ACTIVATION`` over the activation commitment).

Both by a damped fixed point on ``fit_seeds`` futures with common random numbers::

    step = clip(target / simulated, 0.2, 5) ** SIZE_DAMPING   (simulated: mean of the futures)
    size <- clip(size * step, SIZE_BOUNDS)
    alt  <- clip(alt + ALT_DAMPING * (logit(c_mean) - logit(goal)) / margin_weight, ALT_BOUNDS)

(the commitment target is a logistic in ``margin_weight x (margin - alt)``, so this is a
damped Newton step on the logit scale). The starting commitment is the goal.

Agents that bought nothing keep their kind's prior size (the median solved size of their
peers) and their commitment goal is :func:`idle_goal`, between the defect threshold and the
activation commitment (``behaviour.effort.activation``): they start on paper and dormant,
working nothing for the brand, and a reform that pays them better can revive them. What they
still sell in the baseline is reported apart. The fit is then checked on other futures:
per agent the mean simulated first-year figure against the roster, the median absolute
relative error, and the rank correlation.

The figure compared is the first simulated year (weeks 1-52, after the warm-up):
purchases from the manufacturer for distributors; sell-through for partners (the roster's
``annual_sell_through`` where given, else its purchases against simulated purchases).
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from sim import run_model
from sim.experiments.engines import worker_pool
from sim.scenario import Scenario, with_values
from sim.scenario.roster import Roster, client_network
from sim.vocab import KINDS, ROLES, WEEKS_PER_YEAR, Role

SIZE_BOUNDS = (1e-4, 1e3)        # sizes are relative to the mean peer (1)
ALT_BOUNDS = (0.0, 0.8)          # an outside option is a margin: a fraction of the price
GOAL_FLOOR, GOAL_CAP = 0.2, 0.9  # commitment goals of agents that sell
ABOVE_ACTIVATION = 0.05          # a selling agent's goal clears the dormancy line by this
SIZE_DAMPING = 0.7
ALT_DAMPING = 0.8
FIT_SEEDS, STEPS, CHECK_REPS = 30, 24, 20   # the default solve and its check


@dataclass
class RosterFit:
    """The solved starting points and how well they reproduce the roster.

    Attributes:
        table: one row per roster reseller: ``id, name, role, kind, measure, roster,
            fitted`` (mean over the fitting futures), ``simulated`` (mean over the check
            futures), ``low, high`` (10th and 90th percentiles there), ``error`` (relative),
            ``solves`` (size or commitment), ``size, commitment``, ``bought_nothing``.
        median_abs_error: median of ``|error|`` over agents with a positive roster figure.
        rank_correlation: Spearman correlation of ``simulated`` with ``roster`` over them.
        idle_share: what agents that bought nothing sell in the check futures, as a share of
            the mean agent's figure.
        iterations, fit_seeds, check_reps: how it was solved and checked.

    """

    table: pd.DataFrame
    median_abs_error: float
    rank_correlation: float
    idle_share: float
    iterations: int
    fit_seeds: int
    check_reps: int


def _targets(roster: Roster) -> tuple[np.ndarray, np.ndarray]:
    """(target per roster row, True where the target is purchases) for resellers."""
    sells = np.isfinite(roster.sell_through) & (roster.role == Role.PARTNER)
    target = np.where(sells, roster.sell_through, roster.purchases)
    return target, ~sells


def _one_future(args) -> tuple[np.ndarray, np.ndarray]:
    """One future's first year: (each agent's figure, its mean commitment), first ``k``."""
    sc, seed, k, by_purchases = args
    weeks = min(WEEKS_PER_YEAR, sc.weeks)
    m = run_model(sc, seed, weeks=weeks)
    rows = m.ledger.agents[:weeks, :k]
    year = rows[:, :, :2].sum(axis=0)                # sell-through, purchases
    return np.where(by_purchases, year[:, 1], year[:, 0]), rows[:, :, 2].mean(axis=0)


def _futures(sc: Scenario, seeds, k: int, by_purchases: np.ndarray,
             pool: ProcessPoolExecutor | None) -> tuple[np.ndarray, np.ndarray]:
    jobs = [(sc, s, k, by_purchases) for s in seeds]
    out = list(pool.map(_one_future, jobs) if pool else map(_one_future, jobs))
    return np.array([o[0] for o in out]), np.array([o[1] for o in out])


def first_year(sc: Scenario, seeds, k: int, by_purchases: np.ndarray,
               pool: ProcessPoolExecutor | None = None) -> np.ndarray:
    """``[len(seeds), k]``: each of the first ``k`` agents' first simulated year (money)."""
    return _futures(sc, seeds, k, by_purchases, pool)[0]


def _with_solved(sc: Scenario, ids, x: tuple, folder: Path, n: int) -> Scenario:
    path = folder / f"solved-{n}.csv"       # a new file each step (the reader caches by file)
    size, commit, alt = x
    pd.DataFrame({"id": ids, "size": size, "commitment": commit,
                  "alternative_margin": alt}).to_csv(path, index=False)
    out = sc.model_copy(deep=True)
    out.network.solved = str(path)
    return out.with_policy_before(sc._policy_before)


def _start(sc: Scenario, roster: Roster, prior: bool = False) -> tuple[np.ndarray, ...]:
    """(size, starting commitment, outside option) the model gives the roster now.

    With ``prior``, what the network's prior gives, ignoring any solved file.
    """
    from sim.model import ChannelModel

    sc = with_values(sc, {"behaviour.warmup_weeks": 0})
    if prior and sc.network.solved is not None:
        bare = sc.model_copy(deep=True)
        bare.network.solved = None
        sc = bare.with_policy_before(sc._policy_before)
    ch = ChannelModel(sc, rng=0, weeks=0).channel
    return (ch.size[:roster.n].copy(), ch.commitment[:roster.n].copy(),
            ch.alt_margin[:roster.n].copy())


def _idle_at_median(size: np.ndarray, roster: Roster, free: np.ndarray,
                    idle: np.ndarray) -> np.ndarray:
    """Agents that bought nothing keep their kind's prior: the median solved size of peers."""
    out = size.copy()
    group = roster.role * 10 + roster.kind
    for g in np.unique(group[idle]):
        peers = free & (group == g)
        if peers.any():
            out[idle & (group == g)] = np.median(size[peers])
    return out


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-3, 1 - 1e-3)
    return np.log(p / (1.0 - p))


@dataclass
class _Problem:
    """What the solve holds fixed: targets, who is solved by what, the starting goals."""

    target: np.ndarray
    by_purchases: np.ndarray
    free: np.ndarray       # contracted resellers with a positive roster figure
    idle: np.ndarray       # contracted resellers that bought nothing
    by_size: np.ndarray    # free agents without a capacity in the roster
    goal: np.ndarray       # starting commitment goal per agent
    margin_weight: float
    goal_floor: float = GOAL_FLOOR   # lowest goal of an agent that sells (above activation)


def idle_goal(sc: Scenario) -> float:
    """The commitment goal of an agent that bought nothing: dormant, not heading to defect.

    Halfway between ``behaviour.commitment.defect_threshold`` and
    ``behaviour.effort.activation``: it works nothing for the brand and stays under contract.
    Where activation is not above the defect threshold no commitment does both; the goal is
    then just above the threshold, and the agent works (its sales are reported apart).
    """
    defect = sc.behaviour.commitment.defect_threshold
    activation = sc.behaviour.effort.activation
    if activation > defect:
        return 0.5 * (defect + activation)
    return defect + 0.5 * ABOVE_ACTIVATION


def _problem(sc: Scenario, roster: Roster) -> _Problem:
    target, by_purchases = _targets(roster)
    resellers = (roster.role == Role.DISTRIBUTOR) | (roster.role == Role.PARTNER)
    free = resellers & roster.contracted & (target > 0)
    idle = resellers & roster.contracted & (target <= 0)
    by_size = free & ~(np.isfinite(roster.capacity) & (roster.capacity > 0))
    _, prior_commit, _ = _start(sc, roster, prior=True)
    floor = max(GOAL_FLOOR, sc.behaviour.effort.activation + ABOVE_ACTIVATION)
    goal = np.where(idle, idle_goal(sc), np.clip(prior_commit, floor, GOAL_CAP))
    return _Problem(target, by_purchases, free, idle, by_size, goal,
                    sc.behaviour.commitment.margin_weight, floor)


def _step(pb: _Problem, x: tuple, sim: np.ndarray, commit_mean: np.ndarray) -> tuple:
    """One damped step of the fixed point (see the module's docstring).

    ``x`` is (size, starting commitment, outside option); a solved agent's starting
    commitment is its commitment goal, so the step returns the moved goal in its place.
    """
    size, goal, alt = x
    mean = sim.mean(axis=0)
    # an agent that sold nothing yet gets room to grow, not a division by zero
    ratio = np.where(mean > 0, pb.target / np.maximum(mean, 1e-9), 3.0)
    step = np.clip(ratio, 0.2, 5.0) ** SIZE_DAMPING
    size = np.where(pb.by_size, np.clip(size * step, *SIZE_BOUNDS), size)
    moves = pb.free & ~pb.by_size          # a capacity fixes the size: the goal moves
    goal = np.where(moves, np.clip(goal * step ** 0.5, pb.goal_floor, GOAL_CAP), goal)
    gap = _logit(commit_mean.mean(axis=0)) - _logit(goal)
    alt = np.where(pb.free | pb.idle,
                   np.clip(alt + ALT_DAMPING * gap / pb.margin_weight, *ALT_BOUNDS), alt)
    return size, goal, alt


def _pool(workers: int | None):
    """Worker processes (the engine's), or a stand-in that runs here for one worker."""
    n = min(workers or os.cpu_count() or 1, os.cpu_count() or 1)
    return worker_pool(n) if n > 1 else nullcontext()


def solve(sc: Scenario, fit_seeds: int = FIT_SEEDS, iterations: int = STEPS, seed: int = 0,
          folder: Path | None = None, workers: int | None = None,
          ) -> tuple[pd.DataFrame, np.ndarray]:
    """Solve each roster agent's size and outside option on ``fit_seeds`` futures.

    Args:
        sc: a scenario with ``network.roster`` (a solved file it names is the start).
        fit_seeds: futures the solve uses (common random numbers across its steps).
        iterations: steps of the fixed point.
        seed: the futures' seed.
        folder: where the steps' files go (a temporary folder by default).
        workers: processes (default: one per core; 1 runs here).

    Returns:
        (the solved ``id, size, commitment, alternative_margin`` table, the fitting futures'
        figures ``[fit_seeds, n]``).

    """
    with _pool(workers) as pool:
        return _solve(sc, (fit_seeds, iterations, seed), folder, pool)


def _solve(sc: Scenario, how: tuple[int, int, int], folder: Path | None,
           pool: ProcessPoolExecutor | None) -> tuple[pd.DataFrame, np.ndarray]:
    fit_seeds, iterations, seed = how
    roster, _ = client_network(sc)
    if roster is None:
        raise ValueError("the scenario has no network.roster: nothing to reproduce")
    pb = _problem(sc, roster)
    size, commit, alt = _start(sc, roster)
    commit = np.where(pb.free | pb.idle, pb.goal, commit)
    size = _idle_at_median(size, roster, pb.by_size, pb.idle)
    seeds = np.random.SeedSequence(seed).spawn(fit_seeds)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(folder or tmp)
        for n in range(iterations + 1):
            trial = _with_solved(sc, roster.ids, (size, commit, alt), work, n)
            sim, commit_mean = _futures(trial, seeds, roster.n, pb.by_purchases, pool)
            if n == iterations:
                break
            size, commit, alt = _step(pb, (size, commit, alt), sim, commit_mean)
            size = _idle_at_median(size, roster, pb.by_size, pb.idle)
    solved = pd.DataFrame({"id": roster.ids, "size": size, "commitment": commit,
                           "alternative_margin": alt})
    return solved, sim


def fit_roster(sc: Scenario, fit_seeds: int = FIT_SEEDS, check_reps: int = CHECK_REPS,
               iterations: int = STEPS,
               seed: int = 0, out: Path | None = None, workers: int | None = None,
               ) -> tuple[pd.DataFrame, RosterFit]:
    """Solve the starting points, then check them on ``check_reps`` other futures.

    Args:
        sc: a scenario with ``network.roster``.
        fit_seeds: futures the solve uses (common random numbers across its steps).
        check_reps: futures of the check, spawned from another seed than the fit's.
        iterations: steps of the fixed point.
        seed: the fit's seed (the check uses ``seed + 1``).
        out: where to write the solved file the returned scenario names (a temporary
            folder by default).
        workers: processes (default: one per core).

    Returns:
        (the solved table, the fit and its check).

    """
    roster, _ = client_network(sc)
    target, by_purchases = _targets(roster)
    with _pool(workers) as pool, tempfile.TemporaryDirectory() as tmp:
        solved, fitted = _solve(sc, (fit_seeds, iterations, seed), None, pool)
        x = tuple(solved[c].to_numpy() for c in ("size", "commitment", "alternative_margin"))
        trial = _with_solved(sc, roster.ids, x, Path(out or tmp), iterations + 1)
        check = first_year(trial, np.random.SeedSequence(seed + 1).spawn(check_reps),
                           roster.n, by_purchases, pool)
    return solved, _report(roster, solved, target, by_purchases, fitted, check,
                           (iterations, fit_seeds, check_reps))


def _report(roster: Roster, solved: pd.DataFrame, target, by_purchases, fitted, check,
            how: tuple[int, int, int]) -> RosterFit:
    resellers = (roster.role == Role.DISTRIBUTOR) | (roster.role == Role.PARTNER)
    rows = resellers & roster.contracted
    sim = check.mean(axis=0)
    capacity = np.isfinite(roster.capacity) & (roster.capacity > 0)
    table = pd.DataFrame({
        "id": roster.ids, "name": roster.names, "role": [ROLES[r] for r in roster.role],
        "kind": [KINDS[k] if k >= 0 else "" for k in roster.kind],
        "measure": np.where(by_purchases, "purchases", "sell_through"),
        "roster": target, "fitted": fitted.mean(axis=0), "simulated": sim,
        "low": np.percentile(check, 10, axis=0), "high": np.percentile(check, 90, axis=0),
        "error": np.where(target > 0, sim / np.where(target > 0, target, 1.0) - 1.0, np.nan),
        "solves": np.where(capacity, "commitment", "size"),
        "size": solved["size"].to_numpy(), "commitment": solved["commitment"].to_numpy(),
        "bought_nothing": target <= 0,
    })[rows]
    live = table[~table["bought_nothing"]]
    idle = table[table["bought_nothing"]]
    mean_live = float(live["simulated"].mean()) if len(live) else 0.0
    return RosterFit(
        table=table.reset_index(drop=True),
        median_abs_error=float(live["error"].abs().median()) if len(live) else float("nan"),
        rank_correlation=(float(spearmanr(live["roster"], live["simulated"]).statistic)
                          if len(live) > 2 else float("nan")),
        idle_share=(float(idle["simulated"].mean()) / mean_live if len(idle) and mean_live
                    else 0.0),
        iterations=how[0], fit_seeds=how[1], check_reps=how[2])


def write_fit(scenario_file: Path, solved: pd.DataFrame, fit: RosterFit) -> dict[str, Path]:
    """Write the solved starting points and their check beside the scenario file.

    ``<stem>.solved.csv`` (what ``network.solved`` names), ``<stem>.roster_check.csv`` (one
    row per agent) and ``<stem>.roster_check.png`` (the scatter chart).
    """
    import matplotlib.pyplot as plt

    from analysis.report.charts.roster import roster_scatter

    base = Path(scenario_file)
    paths = {"solved": base.with_name(f"{base.stem}.solved.csv"),
             "table": base.with_name(f"{base.stem}.roster_check.csv"),
             "chart": base.with_name(f"{base.stem}.roster_check.png")}
    solved.to_csv(paths["solved"], index=False, float_format="%.6g")
    fit.table.to_csv(paths["table"], index=False, float_format="%.6g")
    fig = roster_scatter(fit.table, fit.median_abs_error, fit.rank_correlation)
    fig.savefig(paths["chart"], dpi=110)
    plt.close(fig)
    return paths


def fit_lines(fit: RosterFit) -> list[str]:
    """What a person reads of the check, one line each."""
    live = fit.table[~fit.table["bought_nothing"]]
    return [f"solved {len(live)} agents' starting points on {fit.fit_seeds} futures "
            f"({fit.iterations} steps); checked on {fit.check_reps} other futures:",
            f"  median absolute error {fit.median_abs_error:.1%}, rank correlation "
            f"{fit.rank_correlation:.3f} (agents with a positive roster figure)",
            f"  {int(fit.table['bought_nothing'].sum())} agents bought nothing: they start on "
            f"paper and sell {fit.idle_share:.1%} of the mean agent's figure"]
