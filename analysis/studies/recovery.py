"""Does calibration recover a planted truth? Coverage, error, width, and the fit test.

Histories are made by the model itself from a **truth** (a scenario with some settings
changed), each on its own seed, and calibrated from a **start** (the same market with the
settings at other values) with the command line's defaults but the holdout. Over many
histories the 90% intervals should cover the truth about 90% of the time, and the fit test
should reject about 5% of them. A **misspecified** history (the truth with a change the
calibration is not told about, e.g. a discount cut in the middle of the history) should
be rejected by the fit test: that is its power.

This checks the method, not the market: the market is whatever the caller chooses (the
slow tests use ``tests/fixtures/calib.yaml``), and the truth is planted, not tuned toward a
verdict.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.studies.calibrate_scenario import Fitting, calibrate_scenario
from analysis.studies.calibration import Parameter
from analysis.studies.common import Runs
from analysis.studies.history import history_table
from sim.experiments.history import weeks_for
from sim.experiments.settings import set_values
from sim.run import run_model
from sim.scenario import Scenario
from sim.scenario.writer import write_extending

# The planted design of the acceptance study (#21): three settings no other test fits,
# moved from a consultant's hand-set values to a truth; the misspecification is a 5-point
# cut of the distributor discount at month 18 (week 78 of months of 52/12 weeks) that the
# calibration is not told about.
START = {"market.growth": 0.03, "market.deal_rate.mid": 0.10,
         "policy.discounts.distributor.base": 0.30}
TRUTH = {"market.growth": 0.07, "market.deal_rate.mid": 0.13,
         "policy.discounts.distributor.base": 0.24}
RANGES = {"market.growth": (-0.05, 0.15), "market.deal_rate.mid": (0.06, 0.20),
          "policy.discounts.distributor.base": (0.15, 0.40)}
CUT = {"policy.discounts.distributor.base": 0.19}
CUT_WEEK = 78


@dataclass
class Planted:
    """A recovery design.

    Attributes:
        source: the scenario file of the market (the start extends it).
        start: the values the calibration starts from (the consultant's hand-set guess).
        truth: the values the histories are made with.
        params: the settings fitted and their search ranges.
        months: months of each history.
        holdout: months held out at the end.
        reps: replications per candidate (the command line's default).
        budget: the search's budget (None: the command line's default).
        omega_runs: runs for the moments' covariance (None: the default).

    """

    source: Path
    start: dict[str, float] = field(default_factory=lambda: dict(START))
    truth: dict[str, float] = field(default_factory=lambda: dict(TRUTH))
    params: list[Parameter] = field(default_factory=lambda: [
        Parameter(p, lo, hi) for p, (lo, hi) in RANGES.items()])
    months: int = 36
    holdout: int = 12
    reps: int = 5
    budget: int | None = None
    omega_runs: int | None = None


def make_history(truth: Scenario, months: int, seed: int, path: Path) -> Path:
    """Write the history one run of ``truth`` gives on ``seed``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    history_table(run_model(truth, seed, weeks_for(months)), months).to_csv(path, index=False)
    return path


def truth_of(design: Planted) -> Scenario:
    """The scenario the histories come from: the market with the truth's values."""
    from sim import load_scenario

    return set_values(load_scenario(design.source), design.truth)


def with_change(truth: Scenario, values: dict[str, float], week: int) -> Scenario:
    """``truth`` with ``values`` changed from ``week`` on, unannounced (a rollout)."""
    data = set_values(truth, values).model_dump(mode="json")
    data["rollout"] = {"full_week": week, "announce_weeks": 0}
    data["weeks"] = max(data["weeks"], week)        # the histories set their own length
    return Scenario.model_validate(data).with_policy_before(truth.policy)


def fit_history(design: Planted, start: Scenario, start_file: Path, history: Path,
                folder: Path, engine, seed: int) -> dict:
    """Calibrate ``start`` to one history; the fit's table and its J test."""
    runs = Runs(reps=design.reps, engine=engine, out=folder / "fit", seed=seed)
    res = calibrate_scenario(start, start_file, history,
                             Fitting(design.params, design.budget, design.holdout,
                                     omega_runs=design.omega_runs), folder /
                             "calibrated.yaml", runs)
    test = res.tables.get("fit_test")
    return {"fit": res.tables["fit"], "p_value": float(test["p_value"].iloc[0])
            if test is not None else float("nan"),
            "failing": str(test["failing"].iloc[0]) if test is not None else "",
            "holdout": res.tables.get("holdout")}


def run_recovery(design: Planted, truth: Scenario, histories: int, out: Path,
                 engine="processes", first_seed: int = 1000,
                 deadline: float | None = None) -> pd.DataFrame:
    """Fit ``histories`` histories of ``truth``; one row per history and setting.

    Args:
        design: what is planted and fitted.
        truth: the scenario the histories come from (the planted truth, or a
            misspecified one).
        histories: how many histories (each on seed ``first_seed + i``).
        out: the study's folder (each history in its own subfolder).
        engine: the engine the calibrations run on.
        first_seed: the first history's seed (apart from the calibrations' seeds).
        deadline: a ``time.time()`` after which no further history is started.

    """
    from sim import load_scenario

    start_file = out / "start.yaml"
    base = load_scenario(design.source)
    start = set_values(base, design.start)
    write_extending(start_file, design.source, start, list(design.start), "start",
                    "The recovery study's start: the market with hand-set values.")
    start = load_scenario(start_file)
    rows = []
    for i in range(histories):
        if deadline is not None and time.time() > deadline:
            break
        folder = out / f"history-{i:02d}"
        hist = make_history(truth, design.months, first_seed + i, folder / "history.csv")
        t0 = time.time()
        found = fit_history(design, start, start_file, hist, folder, engine, seed=1 + i)
        for r in found["fit"].itertuples():
            value = design.truth[r.parameter]
            rows.append({"history": i, "setting": r.parameter, "truth": value,
                         "fitted": r.fitted, "low_90": r.low_90, "high_90": r.high_90,
                         "covers": bool(r.low_90 <= value <= r.high_90),
                         "rel_error": abs(r.fitted - value) / abs(value),
                         "width_share": r.width_share, "clipped": bool(r.clipped),
                         "p_value": found["p_value"], "failing": found["failing"],
                         "seconds": time.time() - t0})
        pd.DataFrame(rows).to_csv(out / "recovery.csv", index=False)
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame, level: float = 0.05) -> dict:
    """Per-setting and pooled coverage, median error and width, clipped, J rejections."""
    by = table.groupby("setting")
    per_history = table.drop_duplicates("history")
    return {
        "histories": int(table["history"].nunique()),
        "coverage": by["covers"].mean().to_dict(),
        "covered": by["covers"].sum().astype(int).to_dict(),
        "pooled_coverage": float(table["covers"].mean()),
        "median_rel_error": by["rel_error"].median().to_dict(),
        "median_width_share": by["width_share"].median().to_dict(),
        "clipped": int(table["clipped"].sum()),
        "j_rejections": int((per_history["p_value"] < level).sum()),
        "j_tested": int(per_history["p_value"].notna().sum()),
        "seconds_per_history": float(per_history["seconds"].mean()),
    }
