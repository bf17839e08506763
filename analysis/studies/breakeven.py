"""What a verdict rests on: where each strategy's change in turnover crosses zero (#23).

For a finished comparison, each strategy and each uncertainty the baseline declares: where
does the headline change in turnover (over ``[first_effect_week, horizon]``,
:mod:`analysis.comparison.windows`) cross zero, with the other uncertainties at their
nominal values (as the scenario writes them)?

1. A first estimate from the futures ``compare`` ran: each drew every uncertainty
   (the draws are in the comparison's manifest), so each future's change is regressed on
   its drawn values (:func:`analysis.studies.roots.regression_guess`).
2. Baseline and strategy are run at the ends of the range and at nominal, on the
   comparison's seeds (common random numbers, through :func:`sim.experiments.designs.
   run_points`, into the resumable folder ``DIR/breakeven/reps-R``); a segment whose change differs
   in sign at its ends holds a root, found by at most 6 bisection steps
   (:func:`analysis.studies.roots.find_roots`).

The findings go to ``DIR/breakeven.json`` and are told in words by
:mod:`analysis.studies.breakeven_words`; the comparison's report shows them when present.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from analysis.comparison.stats import Interval
from analysis.comparison.windows import pct_change
from analysis.studies.breakeven_words import (
    BREAKEVEN_FILE,
    breakeven_document,
    sentences,
    with_rests_on,
)
from analysis.studies.common import StudyError, Tally
from analysis.studies.roots import MAX_STEPS, Search, count_brackets, find_roots, regression_guess
from sim.experiments.designs import open_study, run_points, run_windowed
from sim.experiments.store import ResultStore, scenario_hash, write_atomic
from sim.scenario import Scenario, resolve_path
from sim.scenario.policy import Policy

RUNS_FOLDER = "breakeven"


@dataclass
class Comparison:
    """What break-even reads from a comparison folder.

    Attributes:
        folder: the folder.
        manifest: its manifest.
        scenarios: the stored scenarios by name, baseline first.
        ranges: each uncertainty's range ``(low, high)``, by path.
        nominal: each uncertainty's value as the baseline writes it.

    """

    folder: Path
    manifest: dict
    scenarios: dict[str, Scenario]
    ranges: dict[str, tuple[float, float]]
    nominal: dict[str, float]

    @property
    def baseline(self) -> str:
        """The baseline's name."""
        return self.manifest["baseline"]

    @property
    def strategies(self) -> list[str]:
        """The strategies' names, in the comparison's order."""
        return [n for n in self.manifest["order"] if n != self.baseline]

    def from_week(self, name: str) -> int:
        """The first week of the strategy's headline window."""
        ro = self.manifest["scenarios"][name]["rollout"]
        return int(ro.get("first_effect_week") or ro["start_week"]) if ro else 1


@dataclass
class Breakeven:
    """The findings: per strategy, the nominal change and one search per uncertainty."""

    comparison: Comparison
    reps: int
    at_nominal: dict[str, Interval]
    guesses: dict[str, dict[str, float | None]]
    searches: dict[str, dict[str, Search]]
    runs: int = 0
    lines: list[str] = field(default_factory=list)


def _scenario(store: ResultStore, name: str, digest: str) -> Scenario:
    try:
        doc = store.scenario(name)
        sc = Scenario.model_validate(doc["scenario"]).with_policy_before(
            Policy.model_validate(doc["policy_before"]))
    except (OSError, ValueError, KeyError):
        raise StudyError(f"{store.root}: the stored scenario {name} cannot be read by this "
                         "version; rerun compare") from None
    if scenario_hash(sc) != digest:
        raise StudyError(f"{store.root}: the stored scenario {name} does not match the "
                         "manifest; rerun compare")
    return sc


def load_comparison(folder: str | Path) -> Comparison:
    """A finished comparison folder, checked (StudyError, before anything is written)."""
    folder = Path(folder)
    path = folder / "manifest.json"
    if not folder.is_dir() or not path.is_file():
        raise StudyError(f"{folder}: not a results folder of channelsim compare "
                         "(no manifest.json)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        raise StudyError(f"{path}: not a readable manifest") from None
    if "kind" in manifest or "baseline" not in manifest:
        raise StudyError(f"{folder}: a {manifest.get('kind', 'study')} folder, not a "
                         "comparison (give the --out folder of channelsim compare)")
    store = ResultStore(folder)
    missing = [f"{n} #{r}" for n in manifest["order"] for r in range(manifest["reps"])
               if not store.done(n, r)]
    if missing:
        raise StudyError(f"{folder}: the comparison is unfinished ({len(missing)} runs "
                         f"missing, e.g. {missing[0]}); rerun compare to finish it")
    scs = {n: _scenario(store, n, manifest["scenarios"][n]["hash"]) for n in manifest["order"]}
    base = scs[manifest["baseline"]]
    ranges = base.uncertain_ranges()
    if not ranges:
        raise StudyError(f"{folder}: the baseline {base.name} declares no uncertainties; "
                         "there is nothing a verdict could rest on")
    if len(scs) < 2:
        raise StudyError(f"{folder}: the comparison holds no strategy")
    ranges = dict(sorted(ranges.items()))
    nominal = {p: float(resolve_path(base, p)) for p in ranges}
    return Comparison(folder, manifest, scs, ranges, nominal)


def future_changes(comp: Comparison, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Each future's headline change (% of the baseline's mean) and its drawn values.

    Returns:
        ``(y, X)``: ``y`` per replication; ``X`` one row per replication, one column per
        uncertainty (in ``comp.ranges`` order), empty when compare ran without uncertainty.

    """
    k = ResultStore(comp.folder).read("kpis")
    k = k[k["week"] >= comp.from_week(name)]
    sums = k.groupby(["scenario", "rep"])["turnover"].sum()
    b, s = sums.loc[comp.baseline].sort_index(), sums.loc[name].sort_index()
    y = 100.0 * (s - b).to_numpy() / b.mean()
    drawn = comp.manifest.get("uncertain_values") or []
    if not drawn or not drawn[0]:
        return y, np.empty((len(y), 0))
    X = np.array([[row.get(p, comp.nominal[p]) for p in comp.ranges] for row in drawn])
    return y, X[b.index.to_numpy()]


class Evaluator:
    """Runs baseline and strategies at a value of one uncertainty, on the comparison's seeds.

    Each evaluation is one point of a study design (:func:`sim.experiments.designs.
    run_points`) stored in ``DIR/breakeven/reps-R``, so a rerun reads what is stored.
    """

    def __init__(self, comp: Comparison, reps: int, engine, tally: Tally):
        self.comp, self.reps, self.engine, self.tally = comp, reps, engine, tally
        # one folder per number of futures: a rerun with other --reps keeps both
        self.store = open_study(comp.folder / RUNS_FOLDER / f"reps-{reps}", "breakeven",
                                comp.scenarios, reps,
                                comp.manifest["seed"], comp.manifest["weeks"], {})
        self.cache: dict[tuple[str, str, float], Interval] = {}
        self.points = 0
        self.runs = 0

    def value(self, path: str, x: float) -> float:
        """The value a run is made with (whole-number settings are rounded)."""
        nominal = resolve_path(self.comp.scenarios[self.comp.baseline], path)
        return float(round(x)) if isinstance(nominal, int) else float(x)

    def batch(self, names: list[str], settings: list[tuple[str, float]]) -> None:
        """Run ``names`` (and the baseline) at each ``(path, value)`` (path "": nominal)."""
        todo = [(p, self.value(p, x) if p else 0.0) for p, x in settings]
        todo = [t for t in dict.fromkeys(todo)
                if any((n, *t) not in self.cache for n in names)]
        if not todo:
            return
        points = [{n: ({p: x} if p else {}) for n in (self.comp.baseline, *names)}
                  for p, x in todo]
        scs = {n: self.comp.scenarios[n] for n in (self.comp.baseline, *names)}
        runs = len(points) * len(scs) * self.reps
        self.runs += runs
        for n in names:
            fn = functools.partial(run_windowed, from_week=self.comp.from_week(n))
            scs_n = {self.comp.baseline: scs[self.comp.baseline], n: scs[n]}
            pts = [{k: v for k, v in pt.items() if k in scs_n} for pt in points]
            done = run_points(scs_n, pts, self.store, self.engine, self.points,
                              self.tally.part(len(pts) * 2 * self.reps), fn)
            for i, (p, x) in enumerate(todo):
                at = done[done["point"] == self.points + i]
                b = at[at["scenario"] == self.comp.baseline].sort_values("rep")
                s = at[at["scenario"] == n].sort_values("rep")
                self.cache[(n, p, x)] = pct_change(s["turnover_after"].to_numpy(),
                                                   b["turnover_after"].to_numpy())
            self.points += len(points)

    def change(self, name: str, path: str, x: float) -> Interval:
        """The strategy's headline change (%) with ``path`` at ``x``, others at nominal."""
        self.batch([name], [(path, x)])
        return self.cache[(name, path, self.value(path, x) if path else 0.0)]


def check_budget(uncertain: int, scenarios: int, reps: int, budget: int | None,
                 option: str = "--budget") -> int:
    """The runs of the first pass (nominal and each range's ends, every scenario).

    ``option`` names the budget's option in a refusal.

    Raises:
        StudyError: no uncertainties, or a budget below the first pass.

    """
    if not uncertain:
        raise StudyError("the baseline declares no uncertainties; there is nothing a verdict "
                         "could rest on")
    first = (1 + 2 * uncertain) * scenarios * reps
    if budget is not None and budget < first:
        raise StudyError(f"{option} {budget}: the ends and nominal alone need {first} runs "
                         f"({uncertain} uncertainties, {scenarios} scenarios, {reps} "
                         "futures); raise it or lower --reps")
    return first


def run_breakeven(folder: str | Path, reps: int | None = None, steps: int = MAX_STEPS,
                  budget: int | None = None, engine="serial", progress=None) -> Breakeven:
    """Where each strategy's headline change in turnover crosses zero, per uncertainty.

    Args:
        folder: a finished ``channelsim compare`` folder.
        reps: futures per evaluation (default: the comparison's; its first ``reps`` seeds).
        steps: bisection steps per uncertainty (at most 6).
        budget: the most simulation runs to spend (None: as many as the steps need).
        engine: ``"serial"``, ``"processes"`` or an engine object.
        progress: called as ``progress(job, done, total)`` after each stored run.

    Raises:
        StudyError: not a finished comparison, no uncertainties, bad reps, steps or budget.

    """
    comp = load_comparison(folder)
    reps = comp.manifest["reps"] if reps is None else int(reps)
    if not 2 <= reps <= comp.manifest["reps"]:
        raise StudyError(f"--reps {reps}: between 2 and the comparison's "
                         f"{comp.manifest['reps']} futures")
    if not 0 <= steps <= MAX_STEPS:
        raise StudyError(f"--steps {steps}: between 0 and {MAX_STEPS}")
    first = check_budget(len(comp.ranges), len(comp.scenarios), reps, budget)
    per_step = 2 * reps
    tally = Tally(progress, first)
    ev = Evaluator(comp, reps, engine, tally)
    ev.batch(comp.strategies, [("", 0.0)] + [(p, x) for p, r in comp.ranges.items() for x in r])
    guesses, searches, at_nominal = {}, {}, {}
    for name in comp.strategies:
        at_nominal[name] = ev.change(name, "", 0.0)
        y, X = future_changes(comp, name)
        fit = (regression_guess(X, y, np.array(list(comp.nominal.values())))
               if X.shape[1] else [None] * len(comp.ranges))
        guesses[name] = {p: (g.root if g else None) for p, g in zip(comp.ranges, fit, strict=True)}
    brackets = {(n, p): count_brackets(_three(ev, comp, n, p))
                for n in comp.strategies for p in comp.ranges}
    spare = None if budget is None else budget - first
    n_bisect = sum(1 for v in brackets.values() if v)
    if spare is not None and n_bisect:
        steps = min(steps, spare // (per_step * n_bisect))
    for name in comp.strategies:
        searches[name] = {}
        for p, (lo, hi) in comp.ranges.items():
            nominal = comp.nominal[p]
            searches[name][p] = find_roots(
                functools.partial(ev.change, name, p), lo, hi, nominal, guesses[name][p],
                steps, at_nominal[name] if lo <= nominal <= hi else None)
    result = Breakeven(comp, reps, at_nominal, guesses, searches, ev.runs)
    result.lines = sentences(result)
    return result


def _three(ev: Evaluator, comp: Comparison, name: str, path: str) -> dict[float, Interval]:
    lo, hi = comp.ranges[path]
    pts = {lo: ev.change(name, path, lo), hi: ev.change(name, path, hi)}
    if lo <= comp.nominal[path] <= hi:
        pts[comp.nominal[path]] = ev.change(name, "", 0.0)
    return pts


def save_breakeven(result: Breakeven, command: str = "") -> Path:
    """Write ``breakeven.json`` into the comparison's folder; its path."""
    path = result.comparison.folder / BREAKEVEN_FILE
    doc = breakeven_document(result, command)
    write_atomic(path, json.dumps(doc, indent=1))
    summary = result.comparison.folder / "summary.json"
    if summary.is_file():                  # the verdict's summary says what it rests on
        whole = with_rests_on(json.loads(summary.read_text(encoding="utf-8")), doc)
        write_atomic(summary, json.dumps(whole, indent=2))
    return path
