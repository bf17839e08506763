"""The pilot designer: the smallest regional pilot that can tell a strategy's effect.

A design is a set of 1-3 pilot regions and a duration from the strategy's pilot week. It
*meets* the brief when its minimum detectable effect (``pilot_power.mde`` of its placebo
spread) is at most half the target effect and its estimate points the wrong way (against
the true effect in its regions) in at most 10% of futures. Among designs that meet it, the
smallest is the one with the least pilot-region turnover over its weeks.

The search, in run budget order:

1. the placebo: the baseline alone in ``futures`` futures, up to the longest design's end;
   every design's spread is read from it (all durations from the same runs);
2. the target, unless given: the strategy's true effect over the 40 weeks after its full
   rollout, from ``reps`` paired futures;
3. designs by size, those whose MDE qualifies, each run as a pilot of the strategy in
   ``reps`` futures paired with shared baseline runs, until one also has few wrong signs or
   the budget is spent;
4. the chosen design again on fresh futures (new seeds): choosing the quietest regions on
   the same futures overstates their precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from scipy.stats import chi2

from analysis.comparison.pilot import ROLLOUT_WINDOW
from analysis.comparison.pilot_power import (
    METRICS,
    WIN_RATE,
    PilotWindows,
    cube_totals,
    mde,
)
from analysis.studies.placebo import placebo_cube, region_cubes
from sim.errors import UserError
from sim.experiments.seeds import sample_uncertainties
from sim.scenario import Scenario

DURATIONS = (13, 26, 39, 52)   # weeks a pilot may last
MAX_REGIONS = 3
MDE_SHARE = 0.5                # the MDE may be at most half the target effect
WRONG_SIGN_MAX = 0.10
UPPER_LEVEL = 0.95             # confidence of sigma's upper bound used to choose
_FRESH_KEY = 8_000             # spawn key of the confirmation's futures


class DesignError(UserError, ValueError):
    """The design question cannot be asked (no pilot week, too few regions, budget)."""


@dataclass(frozen=True)
class Design:
    """Pilot regions and weeks, from the strategy's pilot week."""

    regions: tuple[str, ...]
    weeks: int


@dataclass
class Row:
    """One design as evaluated (wrong sign is NaN where it was not run)."""

    design: Design
    size: float           # mean pilot-region turnover over the pilot's weeks (placebo)
    sigma: float
    mde: float
    mde_upper: float      # the MDE at the 95% upper confidence bound of sigma
    wrong_sign: float = float("nan")

    def meets_mde(self, target: float, upper: bool = True) -> bool:
        """MDE at most ``MDE_SHARE`` of the target effect's size.

        Choosing uses the MDE at sigma's upper bound: the smallest design whose point MDE
        just passes would fail on fresh futures about half the time.
        """
        return bool((self.mde_upper if upper else self.mde) <= MDE_SHARE * abs(target))


@dataclass
class Brief:
    """What is asked: the metric, the target, where to look and how much to run."""

    metric: str = "turnover"
    target: float | None = None
    candidates: list[str] | None = None
    exclude: list[str] = field(default_factory=list)
    futures: int = 200
    reps: int = 20
    budget: int = 1000
    seed: int = 1


@dataclass
class Outcome:
    """The search's answer."""

    brief: Brief
    target: float
    target_given: bool
    rows: list[Row]
    chosen: Row | None
    confirmed: Row | None
    runs: int
    designs_run: int

    @property
    def confirmed_ok(self) -> bool:
        """Whether the chosen design still meets the brief on fresh futures."""
        c = self.confirmed
        return bool(c is not None and c.meets_mde(self.target, upper=False)
                    and c.wrong_sign <= WRONG_SIGN_MAX)


def candidate_designs(regions: list[str], candidates: list[str] | None, exclude: list[str],
                      durations: list[int]) -> list[Design]:
    """Every set of 1..MAX_REGIONS allowed regions (leaving a control) with every duration."""
    allowed = [r for r in (candidates or regions) if r not in exclude]
    top = min(MAX_REGIONS, len(regions) - 1)
    return [Design(tuple(s), d) for k in range(1, top + 1)
            for s in combinations(allowed, k) for d in durations]


def fixed_runs(brief: Brief, target_given: bool) -> int:
    """Runs spent whatever is tried: two placebos, shared baselines, the target."""
    return 2 * brief.futures + 2 * brief.reps + (0 if target_given else 2 * brief.reps)


def pilot_of(strategy: Scenario, design: Design, week: int) -> Scenario:
    """The strategy piloted in ``design``'s regions from ``week`` (rollout after its end)."""
    ro = strategy.rollout.model_copy(update={
        "pilot_regions": list(design.regions), "pilot_week": week,
        "full_week": week + design.weeks})
    return strategy.model_copy(update={"rollout": ro})


def _rows(cube, regions, first_effect, week, designs, metric) -> list[Row]:
    rows, totals = [], {}
    for d in designs:
        w = PilotWindows.of(first_effect, week, week + d.weeks)
        if d.weeks not in totals:      # the windows depend on the duration only
            totals[d.weeks] = cube_totals(cube, regions, w)
        tot = totals[d.weeks]
        est = tot.estimate(metric, list(d.regions), w)
        est = est[np.isfinite(est)]
        sigma = float(np.std(est, ddof=1))
        upper = sigma * np.sqrt((est.size - 1) / chi2.ppf(1 - UPPER_LEVEL, est.size - 1))
        size = float(tot.post["turnover"][:, tot.mask(list(d.regions))].sum(1).mean())
        rows.append(Row(d, size, sigma, mde(sigma), mde(float(upper))))
    return sorted(rows, key=lambda r: r.size)


def _wrong_sign(s_cube, b_cube, regions, first_effect, week, design, metric) -> float:
    w = PilotWindows.of(first_effect, week, week + design.weeks)
    s, b = cube_totals(s_cube, regions, w), cube_totals(b_cube, regions, w)
    mask = s.mask(list(design.regions))
    measured = s.estimate(metric, mask, w)
    true = s.true_effect(b, metric, mask)
    return float(np.mean(np.sign(measured) != np.sign(true)))


def _target(baseline, strategy, brief, values, engine) -> float:
    ro = strategy.rollout
    end = min(ro.full_week + ROLLOUT_WINDOW, strategy.weeks + 1)
    cubes = region_cubes({"b": baseline, "s": strategy}, end - 1, brief.reps, brief.seed,
                         values, engine)
    lo = ro.full_week - 1
    s, b = (_level(cubes[a], brief.metric, lo) for a in ("s", "b"))
    return float(100.0 * (s / b - 1.0))


def _level(cube: dict[str, np.ndarray], metric: str, lo: int) -> float:
    """A metric over every future, region and week from index ``lo`` (a ratio for win rate)."""
    if metric == WIN_RATE:
        return float(cube["deals_won"][:, lo:].sum() / cube["deals_decided"][:, lo:].sum())
    return float(cube[metric][:, lo:].sum())


def check_brief(baseline: Scenario, strategy: Scenario, brief: Brief) -> tuple[list, int]:
    """The designs to search and the fixed runs, or a DesignError before anything runs."""
    ro = strategy.rollout
    if ro is None or ro.pilot_week is None:
        raise DesignError(f"{strategy.name}: its rollout has no pilot_week to start pilots at")
    regions = list(baseline.market.regions)
    unknown = [r for r in [*(brief.candidates or []), *brief.exclude] if r not in regions]
    if unknown:
        raise DesignError(f"unknown region(s) {', '.join(unknown)}; the market's regions are "
                          f"{', '.join(regions)}")
    if brief.metric not in METRICS:
        raise DesignError(f"--metric {brief.metric}: one of {', '.join(METRICS)}")
    designs = candidate_designs(regions, brief.candidates, brief.exclude,
                                [d for d in DURATIONS if ro.pilot_week + d <= strategy.weeks])
    if not designs:
        raise DesignError("no design: give at least one candidate region that leaves a control "
                          "region, and a horizon of 13 weeks after the pilot week")
    fixed = fixed_runs(brief, brief.target is not None)
    if brief.budget < fixed + brief.reps:
        raise DesignError(f"--budget {brief.budget}: the placebos, baselines and target "
                          f"need {fixed} runs and each design {brief.reps} more")
    return designs, fixed


def design_pilot(baseline: Scenario, strategy: Scenario, brief: Brief,
                 engine="serial") -> Outcome:
    """Search pilot designs for ``strategy`` against ``baseline`` (see the module's steps).

    Raises:
        DesignError: the strategy has no pilot week, the market has fewer than two regions,
            or the budget cannot pay for the fixed runs and one design.

    """
    designs, fixed = check_brief(baseline, strategy, brief)
    ro, regions = strategy.rollout, list(baseline.market.regions)
    week, first = ro.pilot_week, ro.first_effect_week()
    last = week + max(d.weeks for d in designs) - 1
    values = sample_uncertainties(baseline, brief.reps, brief.seed)
    target = brief.target if brief.target is not None else _target(
        baseline, strategy, brief, values, engine)
    placebo = placebo_cube(baseline, last, brief.futures, brief.seed, engine)
    rows = _rows(placebo, regions, first, week, designs, brief.metric)
    base = region_cubes({"b": baseline}, last, brief.reps, brief.seed, values, engine)["b"]
    affordable = (brief.budget - fixed) // brief.reps
    chosen, tried = None, 0
    for row in (r for r in rows if r.meets_mde(target)):
        if tried == affordable:
            break
        s = region_cubes({"s": pilot_of(strategy, row.design, week)}, last, brief.reps,
                         brief.seed, values, engine)["s"]
        tried += 1
        row.wrong_sign = _wrong_sign(s, base, regions, first, week, row.design, brief.metric)
        if row.wrong_sign <= WRONG_SIGN_MAX:
            chosen = row
            break
    confirmed = _confirm(baseline, strategy, brief, chosen, engine) if chosen else None
    return Outcome(brief, target, brief.target is not None, rows, chosen, confirmed,
                   fixed + tried * brief.reps, tried)


def _confirm(baseline, strategy, brief, chosen: Row, engine) -> Row:
    """The chosen design on fresh futures: a new placebo and new paired runs."""
    seed = int(np.random.SeedSequence(brief.seed, spawn_key=(_FRESH_KEY,)).generate_state(1)[0])
    ro, regions = strategy.rollout, list(baseline.market.regions)
    week, first, d = ro.pilot_week, ro.first_effect_week(), chosen.design
    last = week + d.weeks - 1
    pl = placebo_cube(baseline, last, brief.futures, seed, engine)
    row = _rows(pl, regions, first, week, [d], brief.metric)[0]
    cubes = region_cubes({"b": baseline, "s": pilot_of(strategy, d, week)}, last, brief.reps,
                         seed, sample_uncertainties(baseline, brief.reps, seed), engine)
    row.wrong_sign = _wrong_sign(cubes["s"], cubes["b"], regions, first, week, d, brief.metric)
    return row


def planned_runs(brief: Brief) -> str:
    """The run budget in words, said before anything runs."""
    fixed = fixed_runs(brief, brief.target is not None)
    return (f"run budget {brief.budget}: {fixed} for two placebos of {brief.futures} futures, "
            f"shared baselines{'' if brief.target is not None else ' and the target'} "
            f"({brief.reps} futures each), then {brief.reps} per design tried, at most "
            f"{max(0, (brief.budget - fixed) // brief.reps)} designs")


def outcome_lines(o: Outcome) -> list[str]:
    """What the search found, in words: the design, its confirmation, or that none exists."""
    unit, m = "points", o.brief.metric.replace("_", " ")
    where = "given" if o.target_given else "the full rollout's true effect"
    first = (f"Target: {o.target:+.1f}% on {m} ({where}); a design qualifies with a minimum "
             f"detectable effect (at its 95% upper bound) of at most "
             f"{MDE_SHARE * abs(o.target):.1f} {unit} and the "
             f"wrong sign in at most {WRONG_SIGN_MAX:.0%} of futures.")
    qualifying = sum(r.meets_mde(o.target) for r in o.rows)
    if o.chosen is None:
        why = ("no design of 1-3 regions is precise enough" if qualifying == 0 else
               f"{qualifying} designs are precise enough, {o.designs_run} were run, and none "
               "kept the wrong sign rare" + (" (the budget ran out)"
                                             if o.designs_run < qualifying else ""))
        return [first, f"No pilot meets the brief: {why}. Pilot more regions or longer, read "
                "a quieter metric (--metric), or decide without a pilot."]
    c, d = o.chosen, o.chosen.design
    said = (f"Smallest pilot: {', '.join(d.regions)} for {d.weeks} weeks (minimum detectable "
            f"{c.mde:.1f} {unit}, {c.mde_upper:.1f} at its 95% upper bound; wrong sign in "
            f"{c.wrong_sign:.0%} of {o.brief.reps} futures).")
    f = o.confirmed
    check = (f"On fresh futures it {'holds' if o.confirmed_ok else 'does not hold'}: minimum "
             f"detectable {f.mde:.1f} {unit}, wrong sign in {f.wrong_sign:.0%}"
             + ("" if o.confirmed_ok else "; the quietest regions on the first futures were "
                "partly luck, so choose a larger pilot") + ".")
    return [first, said, check]


def outcome_table(o: Outcome) -> list[dict]:
    """One row per design, smallest first (wrong sign empty where it was not run)."""
    return [{"regions": " ".join(r.design.regions), "weeks": r.design.weeks,
             "size": r.size, "sigma": r.sigma, "mde": r.mde, "mde_upper": r.mde_upper,
             "meets_mde": r.meets_mde(o.target),
             "wrong_sign": None if np.isnan(r.wrong_sign) else r.wrong_sign,
             "chosen": o.chosen is r} for r in o.rows]
