"""What a regional pilot can detect: its estimator, placebo, power and randomisation test.

A pilot compares the pilot regions with the control regions, before and after the pilot
starts (a difference in differences). Every figure here is computed from region totals
over two windows, never from weekly standard errors (weeks are serially correlated):

- ``pre[rep, region]`` and ``post[rep, region]``: a metric's total per region over the
  pre-window and the pilot window of one future;
- the estimate of one future, in percentage points::

      growth(S) = 100 · (Σ_{r∈S} post_r / Σ_{r∈S} pre_r · L_pre / L_post − 1)
      did = growth(pilot) − growth(control)

  (``L`` are the windows' lengths in weeks, so growth compares weekly rates).

The placebo is ``did`` on futures in which nothing changed (the baseline alone): its spread
``σ`` is what chance alone produces, and sets the detection threshold ``1.96·σ`` and the
minimum detectable effect at 80% power, ``(1.96 + 0.84)·σ``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from math import comb

import numpy as np
import pandas as pd
from scipy.stats import norm

Z_LEVEL = 1.96        # two-sided test at 5%
Z_POWER = 0.84        # 80% power
LEVEL = 0.05
MAX_ASSIGNMENTS = 5000  # region sets enumerated exactly by the randomisation test
RAW = ("turnover", "sell_through", "deals_won", "deals_decided")  # by_region columns read
WIN_RATE = "win_rate"          # deals won / deals decided, a ratio of two raw totals
METRICS = ("turnover", "sell_through", "deals_won", WIN_RATE)


@dataclass(frozen=True)
class PilotWindows:
    """The weeks a pilot's estimator reads: ``[pre_lo, pre_hi)`` and ``[post_lo, post_hi)``.

    The pre-window ends at the strategy's first effect (an announcement changes behaviour
    everywhere before the pilot starts), and is as long as the pilot where the horizon's
    start allows.
    """

    pre_lo: int
    pre_hi: int
    post_lo: int
    post_hi: int

    @classmethod
    def of(cls, first_effect: int, pilot_week: int, end: int) -> PilotWindows:
        """A pilot over ``[pilot_week, end)`` of a strategy acting from ``first_effect``."""
        pre_hi = max(2, min(first_effect, pilot_week))
        length = end - pilot_week
        return cls(max(1, pre_hi - length), pre_hi, pilot_week, end)


@dataclass
class WindowTotals:
    """Per metric, ``(futures, regions)`` totals over a pilot's two windows."""

    regions: list[str]
    pre: dict[str, np.ndarray]
    post: dict[str, np.ndarray]

    def has(self, metric: str) -> bool:
        """Whether the totals hold what ``metric`` needs (older results lack deals decided)."""
        need = ("deals_won", "deals_decided") if metric == WIN_RATE else (metric,)
        return all(m in self.pre for m in need)

    def level(self, metric: str, window: str, mask: np.ndarray) -> np.ndarray:
        """Per future, the metric's weekly total (or, for the win rate, its ratio) in ``mask``.

        Weekly totals are ``Σ_{r∈mask} total_r / L``; the win rate is
        ``Σ won / Σ decided`` over the window (no length: it is a ratio).
        """
        part = self.pre if window == "pre" else self.post
        with np.errstate(divide="ignore", invalid="ignore"):
            if metric == WIN_RATE:
                return (part["deals_won"][:, mask].sum(1)
                        / part["deals_decided"][:, mask].sum(1))
            return part[metric][:, mask].sum(1)

    def estimate(self, metric: str, pilot_regions, w: PilotWindows) -> np.ndarray:
        """The pilot estimator per future for one metric (regions by name or as a mask)."""
        mask = (pilot_regions if isinstance(pilot_regions, np.ndarray)
                else self.mask(pilot_regions))
        if metric != WIN_RATE:
            return did(self.pre[metric], self.post[metric], mask, w)

        def change(m):
            with np.errstate(divide="ignore", invalid="ignore"):
                return 100.0 * (self.level(metric, "post", m) / self.level(metric, "pre", m)
                                - 1.0)

        return change(mask) - change(~mask)

    def true_effect(self, base: WindowTotals, metric: str, mask: np.ndarray) -> np.ndarray:
        """Strategy (these totals) against ``base`` in ``mask`` over the pilot window, %."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return 100.0 * (self.level(metric, "post", mask) / base.level(metric, "post", mask)
                            - 1.0)

    def mask(self, regions: list[str]) -> np.ndarray:
        """Boolean mask of ``regions`` over this table's regions."""
        return np.isin(self.regions, regions)


def region_totals(by_region: pd.DataFrame, regions: list[str], lo: int, hi: int,
                  metric: str) -> np.ndarray:
    """``(futures, regions)`` totals of ``metric`` over weeks ``[lo, hi)``, futures by rep."""
    part = by_region[(by_region["week"] >= lo) & (by_region["week"] < hi)]
    table = part.pivot_table(index="rep", columns="region", values=metric, aggfunc="sum")
    return table.reindex(columns=regions, fill_value=0.0).to_numpy(dtype=float)


def window_totals(by_region: pd.DataFrame, regions: list[str], w: PilotWindows) -> WindowTotals:
    """Totals of every metric over both windows, from a by_region table with a rep column."""
    return WindowTotals(
        regions=list(regions),
        pre={m: region_totals(by_region, regions, w.pre_lo, w.pre_hi, m)
             for m in RAW if m in by_region},
        post={m: region_totals(by_region, regions, w.post_lo, w.post_hi, m)
              for m in RAW if m in by_region})


def region_cube(by_region: pd.DataFrame, regions: list[str],
                weeks: int | None = None) -> dict[str, np.ndarray]:
    """Weekly region totals of every raw metric present: ``(futures, weeks, regions)``.

    Futures are the table's ``rep`` values in order, weeks ``1 .. weeks`` (default: the
    last week in the table); segments are summed. One pivot per table, whatever windows are
    read from it afterwards (:func:`cube_totals`).
    """
    cols = [m for m in RAW if m in by_region]
    weeks = weeks or int(by_region["week"].max())
    t = by_region.pivot_table(index=["rep", "week"], columns="region", values=cols,
                              aggfunc="sum")
    reps = t.index.get_level_values("rep").unique()
    t = t.reindex(pd.MultiIndex.from_product([reps, range(1, weeks + 1)]), fill_value=0.0)
    return {m: t[m].reindex(columns=regions, fill_value=0.0).to_numpy(dtype=float)
            .reshape(len(reps), weeks, len(regions)) for m in cols}


def cube_totals(cube: dict[str, np.ndarray], regions: list[str],
                w: PilotWindows) -> WindowTotals:
    """A design's window totals read from a placebo cube (weeks are 1-based)."""
    return WindowTotals(
        regions=list(regions),
        pre={m: c[:, w.pre_lo - 1:w.pre_hi - 1].sum(axis=1) for m, c in cube.items()},
        post={m: c[:, w.post_lo - 1:w.post_hi - 1].sum(axis=1) for m, c in cube.items()})


def growth(pre: np.ndarray, post: np.ndarray, members: np.ndarray,
           w: PilotWindows) -> np.ndarray:
    """Growth of the weekly rate of a set of regions, percent, one value per future.

    Args:
        pre: ``(futures, regions)`` totals over the pre-window.
        post: the same over the pilot window.
        members: boolean mask over regions.
        w: the windows (for their lengths).

    """
    rate_pre = pre[:, members].sum(axis=1) / (w.pre_hi - w.pre_lo)
    rate_post = post[:, members].sum(axis=1) / (w.post_hi - w.post_lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100.0 * (rate_post / rate_pre - 1.0)


def did(pre: np.ndarray, post: np.ndarray, pilot: np.ndarray, w: PilotWindows) -> np.ndarray:
    """The pilot's difference-in-differences estimate per future (percentage points)."""
    return growth(pre, post, pilot, w) - growth(pre, post, ~pilot, w)


def mde(sigma: float) -> float:
    """Minimum detectable effect at 80% power and a 5% two-sided level: ``(1.96+0.84)·σ``."""
    return (Z_LEVEL + Z_POWER) * sigma


def power(effect: float, sigma: float) -> float:
    """Probability that ``|estimate| > 1.96·σ`` when the estimate is ``N(effect, σ²)``.

    ``Φ(effect/σ − 1.96) + Φ(−effect/σ − 1.96)``; 0.05 at no effect, 0.80 at the MDE.
    """
    if not np.isfinite(sigma) or sigma <= 0:
        return float("nan")
    z = effect / sigma
    return float(norm.cdf(z - Z_LEVEL) + norm.cdf(-z - Z_LEVEL))


def smallest_p(n_regions: int, k_pilot: int) -> float:
    """Smallest p a randomisation test over same-size region sets can give: ``1/C(n, k)``."""
    return 1.0 / comb(n_regions, k_pilot)


def randomisation_p(pre: np.ndarray, post: np.ndarray, pilot: np.ndarray,
                    w: PilotWindows) -> np.ndarray:
    """Randomisation-inference p per future of the estimator on raw totals (``did``)."""
    return randomisation_p_of(lambda mask: did(pre, post, mask, w), pilot)


def randomisation_p_of(stat, pilot: np.ndarray) -> np.ndarray:
    """Randomisation-inference p per future: how unusual the pilot's estimate is.

    Under the null of no effect anywhere, the pilot regions were one of the ``C(n, k)``
    region sets of the same size; p is the share of those sets whose ``|stat(set)|`` is at
    least the actual set's (the actual set included, so p ≥ 1/C(n, k)).

    Args:
        stat: the estimator per future for a boolean mask of regions.
        pilot: the actual pilot regions' mask.

    """
    n, k = pilot.size, int(pilot.sum())
    if comb(n, k) > MAX_ASSIGNMENTS:
        raise ValueError(f"{comb(n, k)} region sets of {k} of {n}: too many to enumerate")
    actual = np.abs(stat(pilot))
    count = np.zeros(actual.shape[0])
    for members in combinations(range(n), k):
        mask = np.zeros(n, dtype=bool)
        mask[list(members)] = True
        with np.errstate(invalid="ignore"):
            count += np.abs(stat(mask)) >= actual - 1e-9
    return count / comb(n, k)


@dataclass
class Detectability:
    """What a pilot of one design can tell, for one metric (percentage points)."""

    metric: str
    placebo_mean: float
    placebo_sd: float
    placebo_futures: int
    threshold: float          # 1.96·σ: a measured effect beyond it is detected
    mde: float                # (1.96 + 0.84)·σ
    true_effect: float        # mean strategy − baseline in the pilot regions, same window
    power: float              # of the 1.96·σ test against the true effect
    rejected: float           # share of the comparison's futures whose estimate passed it
    p_wrong_sign: float       # estimate's sign against the true pilot effect's
    leakage_bias: float       # mean (estimate − true pilot effect)

    @property
    def placebo_se(self) -> float:
        """Standard error of the placebo's mean."""
        return self.placebo_sd / np.sqrt(max(self.placebo_futures, 1))


def detectability(metric: str, placebo: np.ndarray, measured: np.ndarray,
                  true_pilot: np.ndarray) -> Detectability:
    """A metric's placebo, power and errors from placebo and strategy futures.

    Args:
        metric: its name.
        placebo: the estimate on futures without the strategy.
        measured: the estimate in the strategy's futures (the comparison's).
        true_pilot: strategy − baseline in the pilot regions over the pilot window, percent,
            in the same futures as ``measured``.

    """
    placebo = placebo[np.isfinite(placebo)]
    sigma = float(np.std(placebo, ddof=1)) if placebo.size > 1 else float("nan")
    effect = float(np.mean(true_pilot))
    return Detectability(
        metric=metric, placebo_mean=float(np.mean(placebo)), placebo_sd=sigma,
        placebo_futures=int(placebo.size), threshold=Z_LEVEL * sigma, mde=mde(sigma),
        true_effect=effect, power=power(effect, sigma),
        rejected=float(np.mean(np.abs(measured) > Z_LEVEL * sigma)),
        p_wrong_sign=float(np.mean(np.sign(measured) != np.sign(true_pilot))),
        leakage_bias=float(np.mean(measured - true_pilot)))
