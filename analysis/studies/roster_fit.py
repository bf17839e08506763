"""A baseline that reproduces the client's roster: each agent's starting point solved.

The roster says what each distributor bought and each partner sold last year. The model's
first simulated year should say the same, agent by agent, or a verdict about "D07" is about
a company the model does not know. For each roster agent with a positive figure, one number
is matched by its **size** (its effort budget and reach; where the roster gives no
``capacity``) and its **outside option** (``alt_margin``, the margin it would earn elsewhere,
which with the brand's margin sets the level its commitment settles at; alone where the roster
gives a capacity), with its starting commitment. A year's warm-up forgets where commitment
started (it moves by ``behaviour.commitment.speed``, 0.08 a week): solving the starting
commitment alone cannot hold an agent that the economics make defect. The solve is a damped
fixed point on a few fitting futures with common random numbers::

    step = clip(target / simulated, 0.2, 5) ** damping   (simulated: mean of fitting seeds)
    size <- size * step ** 0.8;  outside option <- outside option * step ** -0.2
    (the outside option alone, * step ** -1, where the roster gives a capacity; the
    starting commitment moves by half the outside option's share, the other way)

Agents that bought nothing keep their kind's prior size and start on paper (a reform can
revive them); they are reported apart. The fit is then checked on other futures: per agent
the mean simulated first-year figure against the roster, the median absolute relative
error, and the rank correlation.

The figure compared is the first simulated year (weeks 1-52, after the warm-up):
purchases from the manufacturer for distributors; sell-through for partners (the roster's
``annual_sell_through`` where given, else its purchases against simulated purchases).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from sim import run_model
from sim.scenario import Scenario, with_values
from sim.scenario.roster import Roster, client_network
from sim.vocab import KINDS, ROLES, WEEKS_PER_YEAR, Role

SIZE_BOUNDS = (0.01, 200.0)
COMMITMENT_BOUNDS = (0.05, 0.95)
DAMPING = 0.5
ALT_BOUNDS = (0.005, 2.0)
SIZE_SHARE = 0.8   # of a step's log-change, what size takes where it is free


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


def first_year(sc: Scenario, seeds, k: int, by_purchases: np.ndarray) -> np.ndarray:
    """``[len(seeds), k]``: each of the first ``k`` agents' first simulated year (money)."""
    out = np.zeros((len(seeds), k))
    weeks = min(WEEKS_PER_YEAR, sc.weeks)
    for i, seed in enumerate(seeds):
        m = run_model(sc, seed, weeks=weeks)
        year = m.ledger.agents[:weeks, :k, :2].sum(axis=0)      # sell-through, purchases
        out[i] = np.where(by_purchases, year[:, 1], year[:, 0])
    return out


def _with_solved(sc: Scenario, ids, x: tuple, folder: Path, n: int) -> Scenario:
    path = folder / f"solved-{n}.csv"       # a new file each step (the reader caches by file)
    size, commit, alt = x
    pd.DataFrame({"id": ids, "size": size, "commitment": commit,
                  "alternative_margin": alt}).to_csv(path, index=False)
    out = sc.model_copy(deep=True)
    out.network.solved = str(path)
    return out.with_policy_before(sc._policy_before)


def _start(sc: Scenario, roster: Roster) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The starting points the model gives the roster now (solved ones if any)."""
    from sim.model import ChannelModel

    m = ChannelModel(with_values(sc, {"behaviour.warmup_weeks": 0}), rng=0, weeks=0)
    ch = m.channel
    return (ch.size[:roster.n].copy(), ch.commitment_ref[:roster.n].copy(),
            ch.alt_margin[:roster.n].copy())


def _idle_at_median(size: np.ndarray, roster: Roster, free: np.ndarray,
                    resellers: np.ndarray) -> np.ndarray:
    """Agents that bought nothing keep their kind's prior: the median solved size of peers."""
    out = size.copy()
    group = roster.role * 10 + roster.kind
    for g in np.unique(group[resellers & ~free]):
        peers = free & (group == g)
        if peers.any():
            out[resellers & ~free & (group == g) & roster.contracted] = np.median(size[peers])
    return out


def solve(sc: Scenario, fit_seeds: int = 5, iterations: int = 12, seed: int = 0,
          folder: Path | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """Solve each roster agent's size or commitment on ``fit_seeds`` futures.

    Returns:
        (the solved ``id, size, commitment`` table, the fitting futures' figures
        ``[fit_seeds, n]``).

    """
    roster, _ = client_network(sc)
    if roster is None:
        raise ValueError("the scenario has no network.roster: nothing to reproduce")
    target, by_purchases = _targets(roster)
    resellers = (roster.role == Role.DISTRIBUTOR) | (roster.role == Role.PARTNER)
    free = resellers & roster.contracted & (target > 0)
    by_size = free & ~(np.isfinite(roster.capacity) & (roster.capacity > 0))
    size, commit, alt = _start(sc, roster)
    seeds = np.random.SeedSequence(seed).spawn(fit_seeds)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(folder or tmp)
        sim = np.zeros((fit_seeds, roster.n))
        for n in range(iterations + 1):
            trial = _with_solved(sc, roster.ids, (size, commit, alt), work, n)
            sim = first_year(trial, seeds, roster.n, by_purchases)
            if n == iterations:
                break
            mean = sim.mean(axis=0)
            # an agent that sold nothing yet gets room to grow, not a division by zero
            ratio = np.where(mean > 0, target / np.maximum(mean, 1e-9), 2.0)
            step = np.clip(ratio, 0.2, 5.0) ** DAMPING
            # two levers, one figure: size (where free) takes most of the step; the outside
            # option the rest, the other way (a year's warm-up forgets the starting
            # commitment, while the margin against the outside option holds it)
            size = np.where(by_size, np.clip(size * step ** SIZE_SHARE, *SIZE_BOUNDS), size)
            share = np.where(by_size, 1.0 - SIZE_SHARE, 1.0)
            alt = np.where(free, np.clip(alt * step ** -share, *ALT_BOUNDS), alt)
            commit = np.where(free, np.clip(commit * step ** (0.5 * share),
                                            *COMMITMENT_BOUNDS), commit)
            size = _idle_at_median(size, roster, free, resellers)
    solved = pd.DataFrame({"id": roster.ids, "size": size, "commitment": commit,
                           "alternative_margin": alt})
    return solved, sim


def fit_roster(sc: Scenario, fit_seeds: int = 5, check_reps: int = 20, iterations: int = 12,
               seed: int = 0, out: Path | None = None) -> tuple[pd.DataFrame, RosterFit]:
    """Solve the starting points, then check them on ``check_reps`` other futures.

    Args:
        sc: a scenario with ``network.roster``.
        fit_seeds: futures the solve uses (common random numbers across its steps).
        check_reps: futures of the check, spawned from another seed than the fit's.
        iterations: steps of the fixed point.
        seed: the fit's seed (the check uses ``seed + 1``).
        out: where to write the solved file the returned scenario names (a temporary
            folder by default).

    Returns:
        (the solved table, the fit and its check).

    """
    roster, _ = client_network(sc)
    solved, fitted = solve(sc, fit_seeds, iterations, seed)
    target, by_purchases = _targets(roster)
    with tempfile.TemporaryDirectory() as tmp:
        x = tuple(solved[c].to_numpy() for c in ("size", "commitment", "alternative_margin"))
        trial = _with_solved(sc, roster.ids, x, Path(out or tmp), iterations + 1)
        check = first_year(trial, np.random.SeedSequence(seed + 1).spawn(check_reps),
                           roster.n, by_purchases)
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
