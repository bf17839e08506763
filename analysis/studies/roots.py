"""Where a noisy change crosses zero along one setting: a first guess, then bisection.

The functions here know nothing of the simulator: a change is a function ``f(x)`` that
returns an :class:`~analysis.comparison.stats.Interval` (an estimate with its 95% interval,
from paired futures), and the search is told the range of ``x`` and its nominal value.

* :func:`regression_guess` reads a first estimate off futures already run: each future
  drew every uncertainty, so a linear fit of its change on the drawn values, read with
  the other settings at nominal, gives where the fitted change is zero.
* :func:`find_roots` evaluates ``f`` at the range's ends and at nominal, keeps each segment
  whose ends differ in sign, and bisects it (the first split at the guess where it lies
  inside). Each root comes with an interval: from the nearest evaluated points on either
  side whose change is clearly (its interval excludes zero) of that side's sign, so the
  interval widens honestly where the noise hides the sign.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from analysis.comparison.stats import Interval

MAX_STEPS = 6
# A guess closer than this share of the bracket to one of its ends is split at the middle.
GUESS_MARGIN = 0.05


@dataclass(frozen=True)
class Guess:
    """The regression's first estimate for one setting.

    Attributes:
        slope: change per unit of the setting (others at nominal).
        at_nominal: the fitted change with every setting at nominal.
        root: where the fitted line is zero (None for a flat line).

    """

    slope: float
    at_nominal: float
    root: float | None


@dataclass(frozen=True)
class Root:
    """A crossing: the estimate and the interval outside which the sign is clear."""

    estimate: float
    low: float
    high: float
    rising: bool     # the change goes from negative to positive as the setting grows


@dataclass
class Search:
    """The outcome of :func:`find_roots` for one setting.

    Attributes:
        low, high, nominal: the range searched and the nominal value.
        roots: the crossings found (empty: none within the range).
        points: every evaluation, ``x -> Interval``.
        steps: bisection steps used.

    """

    low: float
    high: float
    nominal: float
    roots: list[Root] = field(default_factory=list)
    points: dict[float, Interval] = field(default_factory=dict)
    steps: int = 0

    def sorted_points(self) -> list[tuple[float, Interval]]:
        """The evaluations in increasing order of the setting."""
        return sorted(self.points.items())


def regression_guess(X: np.ndarray, y: np.ndarray, nominal: np.ndarray) -> list[Guess]:
    """Per column of ``X``, where the linear fit of ``y`` on every column crosses zero.

    Args:
        X: the drawn values, one row per future, one column per setting.
        y: each future's change.
        nominal: the nominal value of each setting.

    Returns:
        One :class:`Guess` per column; with fewer futures than settings + 2 each column
        is fitted alone (its mean change read at nominal).

    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    centred = X - np.asarray(nominal, dtype=float)
    n, k = centred.shape
    spread = centred.std(axis=0)
    if n >= k + 2:
        design = np.column_stack([np.ones(n), centred])
        coef = np.linalg.lstsq(design, y, rcond=None)[0]
        fits = [(coef[0], coef[1 + j]) for j in range(k)]
    else:
        fits = []
        for j in range(k):
            if spread[j] > 0:
                b, a = np.polyfit(centred[:, j], y, 1)
            else:
                b, a = 0.0, float(y.mean())
            fits.append((a, b))
    out = []
    for j, (a, b) in enumerate(fits):
        flat = spread[j] == 0 or b == 0
        out.append(Guess(float(b), float(a), None if flat else float(nominal[j] - a / b)))
    return out


def _sign(iv: Interval) -> int:
    """+1 for a change of zero or more, -1 below zero (no effect is not a crossing)."""
    return 1 if iv.estimate >= 0 else -1


def _clear(iv: Interval, sign: int) -> bool:
    """The interval lies wholly on the side of ``sign``."""
    return iv.low > 0 if sign > 0 else iv.high < 0


def _split(a: float, b: float, guess: float | None) -> float:
    lo, hi = min(a, b), max(a, b)
    margin = GUESS_MARGIN * (hi - lo)
    if guess is not None and lo + margin < guess < hi - margin:
        return guess
    return (lo + hi) / 2


def _brackets(search: Search) -> list[tuple[float, float]]:
    """Neighbouring evaluations whose changes differ in sign."""
    pts = search.sorted_points()
    return [(x0, x1) for (x0, f0), (x1, f1) in zip(pts, pts[1:], strict=False)
            if _sign(f0) != _sign(f1)]


def count_brackets(points: dict[float, Interval]) -> int:
    """How many neighbouring pairs of ``points`` (value -> change) differ in sign."""
    return len(_brackets(Search(0.0, 0.0, 0.0, points=dict(points))))


def _interval(search: Search, a: float, b: float) -> Root:
    """The root between ``a`` and ``b`` (opposite signs) and where the signs are clear."""
    fa, fb = search.points[a], search.points[b]
    t = fa.estimate / (fa.estimate - fb.estimate)
    est = a + t * (b - a)
    sa, sb = _sign(fa), _sign(fb)
    left = [x for x, iv in search.sorted_points() if x <= a and _clear(iv, sa)]
    right = [x for x, iv in search.sorted_points() if x >= b and _clear(iv, sb)]
    return Root(float(est), float(max(left) if left else search.low),
                float(min(right) if right else search.high), rising=sb > 0)


def find_roots(f: Callable[[float], Interval], low: float, high: float, nominal: float,
               guess: float | None = None, steps: int = MAX_STEPS,
               at_nominal: Interval | None = None) -> Search:
    """Where ``f`` changes sign in ``[low, high]``, by at most ``steps`` bisections.

    Args:
        f: the change at a value of the setting (an estimate with its interval).
        low: the low end of the range searched.
        high: its high end.
        nominal: the setting's nominal value (evaluated too, so two roots can be told).
        guess: a first estimate of a root (the first split of its bracket, if inside).
        steps: bisection steps in all (shared out over the brackets, at most ``MAX_STEPS``).
        at_nominal: ``f(nominal)`` where the caller has it already.

    Returns:
        The :class:`Search`: no root where the three first points share a sign, one per
        segment that changes sign otherwise.

    """
    steps = max(0, min(int(steps), MAX_STEPS))
    search = Search(float(low), float(high), float(nominal))
    for x in dict.fromkeys((float(low), float(nominal), float(high))):
        search.points[x] = (at_nominal if x == nominal and at_nominal is not None else f(x))
    brackets = _brackets(search)
    per = [steps // len(brackets) + (i < steps % len(brackets))
           for i in range(len(brackets))] if brackets else []
    for (a, b), budget in zip(brackets, per, strict=True):
        for _ in range(budget):
            x = _split(a, b, guess)
            search.points[x] = f(x)
            search.steps += 1
            if _sign(search.points[x]) == _sign(search.points[a]):
                a = x
            else:
                b = x
        search.roots.append(_interval(search, a, b))
    return search
