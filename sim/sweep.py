"""Sweeps over levers and uncertainties: the design of the experiment and its scenarios.

Each point of the design is a copy of the input scenario with some numeric settings
changed (by dotted path). The points run as strategies against the input as written, with
common random numbers, through the same engines and resumable store as ``compare``.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.stats import qmc

from sim.levers import set_values
from sim.scenario import Scenario, ScenarioError
from sim.scenario.schema import check_numeric_path


def parse_vary(text: str) -> tuple[str, float, float, int]:
    """``PATH=LOW:HIGH:STEPS`` (or ``PATH=LOW:HIGH`` for sampling) as a tuple.

    Raises:
        ValueError: with a message saying what is wrong.

    """
    path, sep, spec = text.partition("=")
    parts = spec.split(":")
    if not sep or not path or len(parts) not in (2, 3):
        raise ValueError(f"'{text}': expected PATH=LOW:HIGH:STEPS")
    try:
        low, high = float(parts[0]), float(parts[1])
        steps = int(parts[2]) if len(parts) == 3 else 0
    except ValueError:
        raise ValueError(f"'{text}': LOW and HIGH must be numbers, STEPS a whole number") from None
    if not np.isfinite([low, high]).all() or low >= high:
        raise ValueError(f"'{text}': LOW must be below HIGH")
    if len(parts) == 3 and steps < 2:
        raise ValueError(f"'{text}': STEPS must be at least 2")
    return path, low, high, steps


def design(varies: list[tuple[str, float, float, int]], samples: int | None = None,
           seed: int = 0) -> list[dict[str, float]]:
    """The points to run.

    The full factorial of each path's ``STEPS`` evenly spaced values, or, with ``samples``,
    a Latin hypercube of that many points over the ranges.
    """
    if samples:
        unit = qmc.LatinHypercube(d=len(varies), rng=np.random.default_rng(seed)).random(samples)
        return [{p: lo + u * (hi - lo) for (p, lo, hi, _), u in zip(varies, row, strict=True)}
                for row in unit]
    grids = [np.linspace(lo, hi, steps if steps else 2) for _, lo, hi, steps in varies]
    return [{p: float(v) for (p, *_), v in zip(varies, combo, strict=True)}
            for combo in itertools.product(*grids)]


def sweep_scenarios(base: Scenario, points: list[dict[str, float]]) -> dict[str, Scenario]:
    """The input (as ``base``) and one scenario per point (``point-0001``, ...).

    Raises:
        ScenarioError: a path that does not exist or is not numeric, or a value out of range.

    """
    problems = []
    for path in points[0] if points else {}:
        try:
            check_numeric_path(base, path)
        except ValueError as exc:
            problems.append(("--vary", path, str(exc)))
    if problems:
        raise ScenarioError(problems)
    out = {"base": base}
    for i, point in enumerate(points, start=1):
        out[f"point-{i:04d}"] = set_values(base, point)
    return out
