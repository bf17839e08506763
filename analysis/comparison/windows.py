"""The windows a headline is read over, and recovery and payback told honestly.

A strategy does nothing before its first effect (the announcement, or the start): a change
over the whole horizon dilutes what it does with weeks in which nothing could differ. The
headline is therefore over ``[first_effect_week, horizon]`` (forward buying before a switch
is kept with its hangover); beside it, the change from the full rollout on and the run rate
of the last 13 weeks. Whole-horizon figures stay in the files.

Recovery and payback are per future: "recovered by week W" is said only where at least
``RECOVERED_SHARE`` of the futures recover; otherwise how many did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.comparison.stats import Interval, paired_t
from sim.vocab import WEEKS_PER_QUARTER

RUN_RATE_WEEKS = WEEKS_PER_QUARTER
RECOVERED_SHARE = 0.8


@dataclass
class Windows:
    """Changes in percent of the baseline over the windows of a headline.

    Attributes:
        first_effect_week, full_week: where the windows start.
        turnover_after, margin_after: over ``[first_effect_week, horizon]``.
        turnover_after_full: over ``[full_week, horizon]``.
        run_rate: over the last ``RUN_RATE_WEEKS`` weeks.

    """

    first_effect_week: int
    full_week: int
    turnover_after: Interval
    margin_after: Interval
    turnover_after_full: Interval
    run_rate: Interval


@dataclass
class Timing:
    """When futures recover from the dip, or pay back the margin given up.

    Attributes:
        share: the share of futures in which it happens within the horizon.
        n, of: how many futures, of how many.
        median, low, high: the median week among them and their 10th-90th percentiles
            (None when none does).

    """

    share: float
    n: int
    of: int
    median: float | None
    low: float | None
    high: float | None

    def words(self, what: str) -> str:
        """``recovered by week 61`` or ``recovered in 9 of 20 futures (median week 80)``."""
        if self.n == 0:
            return f"not {what} by the end of the horizon in any future"
        if self.share >= RECOVERED_SHARE:
            return (f"{what} by week {self.median:.0f} (median of {self.n} of {self.of} "
                    f"futures; 10-90%: weeks {self.low:.0f}-{self.high:.0f})")
        return f"{what} in {self.n} of {self.of} futures (median week {self.median:.0f})"


def pct_change(s: np.ndarray, b: np.ndarray) -> Interval:
    """Paired change of window sums ``s - b`` in percent of the baseline's mean sum."""
    t = paired_t(s - b)
    scale = 100.0 / b.mean() if b.mean() else 0.0
    return Interval(t.estimate * scale, t.low * scale, t.high * scale)


def _from(arm, week: int) -> np.ndarray:
    cols = [w for w in arm.columns if w >= week]
    return arm[cols].to_numpy().sum(axis=1)


def windows(ts, tb, ms, mb, first_effect: int, full: int) -> Windows:
    """The windowed changes (``ts, tb, ms, mb``: rep x week turnover and margin tables)."""
    last = max(tb.columns) - RUN_RATE_WEEKS + 1
    return Windows(
        first_effect_week=first_effect, full_week=full,
        turnover_after=pct_change(_from(ts, first_effect), _from(tb, first_effect)),
        margin_after=pct_change(_from(ms, first_effect), _from(mb, first_effect)),
        turnover_after_full=pct_change(_from(ts, full), _from(tb, full)),
        run_rate=pct_change(_from(ts, last), _from(tb, last)))


def timing(weeks: list[int | None]) -> Timing:
    """Summarise per-future weeks (None: it never happened within the horizon)."""
    done = np.array([w for w in weeks if w is not None], dtype=float)
    if len(done) == 0:
        return Timing(0.0, 0, len(weeks), None, None, None)
    lo, mid, hi = np.percentile(done, [10, 50, 90])
    return Timing(len(done) / len(weeks), len(done), len(weeks), float(mid), float(lo),
                  float(hi))


def payback_weeks(ms, mb, first_effect: int) -> list[int | None]:
    """Per future, the week from which cumulative Δ margin since the first effect stays >= 0.

    The first effect week itself where it never goes below zero; None where it ends below.
    """
    cols = [w for w in mb.columns if w >= first_effect]
    cum = np.cumsum(ms[cols].to_numpy() - mb[cols].to_numpy(), axis=1)
    out: list[int | None] = []
    for row in cum:
        below = np.flatnonzero(row < 0)
        if len(below) == 0:
            out.append(int(cols[0]))
        elif below[-1] == len(row) - 1:
            out.append(None)
        else:
            out.append(int(cols[below[-1] + 1]))
    return out
