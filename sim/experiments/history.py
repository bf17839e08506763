"""A run seen as a client's sales history: monthly revenue by channel, revenue by partner.

Calibration compares a client's history with simulated runs through the same summary
moments, so a run is first cut the way the client's books are: weeks are spread over
calendar-like months of 52/12 weeks (a week that straddles two months is split between them
in proportion), revenue is the manufacturer's turnover by channel, and each distributor's or
partner's revenue is what it bought from the manufacturer.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.scenario import Scenario
from sim.vocab import TURNOVER_CHANNELS, WEEKS_PER_MONTH

if TYPE_CHECKING:  # the model is imported only to run (a refused command never loads it)
    from sim.experiments.seeds import Job


def weeks_for(months: int) -> int:
    """Weeks to simulate to cover ``months`` whole months."""
    return math.ceil(months * WEEKS_PER_MONTH - 1e-9)


def month_weights(weeks: int, months: int) -> np.ndarray:
    """``(months, weeks)`` matrix: the share of week ``w`` that falls in month ``m``.

    Month ``m`` spans weeks ``[m * 52/12, (m + 1) * 52/12)`` counted from 0.
    """
    edges = np.arange(months + 1) * WEEKS_PER_MONTH
    start, end = np.arange(weeks)[None, :], np.arange(1, weeks + 1)[None, :]
    lo, hi = edges[:-1, None], edges[1:, None]
    return np.clip(np.minimum(end, hi) - np.maximum(start, lo), 0.0, 1.0)


def monthly_channels(kpis, months: int) -> dict[str, np.ndarray]:
    """Monthly turnover by channel from a run's weekly KPIs (weeks split over months)."""
    weights = month_weights(len(kpis), months)
    return {c: weights @ kpis[f"turnover_{c}"].to_numpy() for c in TURNOVER_CHANNELS}


def run_history(scenario: Scenario, job: Job) -> dict:
    """Run one replication and return it as a history (what a calibration worker does).

    ``job.weeks`` holds the number of months; ``job.uncertain`` the settings to apply.

    Returns:
        ``{"channels": {channel: [monthly revenue, ...]}, "partners": [[monthly purchases
        of each distributor or partner], ...]}`` (one list per month), so a fit on the first
        months counts the partners' concentration on those months alone.

    """
    from sim.experiments.settings import run_with

    model = run_with(scenario, job.uncertain, job.seed, weeks_for(job.weeks))
    kpis, agents = model.kpis(), model.tables()["agents"]
    channels = {c: v.tolist() for c, v in monthly_channels(kpis, job.weeks).items()}
    resellers = agents[agents["role"].isin(["distributor", "partner"])]
    weekly = resellers.pivot_table(index="week", columns="agent_id", values="purchases",
                                   aggfunc="sum", fill_value=0.0).reindex(kpis["week"],
                                                                          fill_value=0.0)
    monthly = month_weights(len(kpis), job.weeks) @ weekly.to_numpy()
    return {"channels": channels, "partners": monthly.tolist()}
