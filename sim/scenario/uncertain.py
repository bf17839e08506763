"""What a scenario does not know for sure: the three forms of an ``uncertainties:`` entry.

An entry is keyed by the setting's dotted path and is one of

* a range ``{low, high}``: each future draws the setting uniformly in it (the form every
  hand-set scenario uses);
* ``{dist: normal, mean, sd}``: a normal draw truncated to the schema's bounds of the
  setting (a value known to about ``sd``, e.g. from a published estimate);
* under the key ``joint``, ``{paths, mean, cov}``: the settings in ``paths`` drawn together
  from a normal with that mean and covariance, truncated to each setting's schema bounds.
  ``channelsim calibrate`` writes this for the settings it fitted: fitted settings are
  correlated (one absorbs another's error), so drawing them apart would overstate or
  understate what the history allows.

An extending file's entry replaces the parent's entry whole, and ``path: null`` removes an
inherited one (``sim.scenario.loader``): a calibrated file takes a fitted setting out of the
ranges it inherited.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Discriminator, Tag, model_validator

from sim.scenario.about import setting
from sim.scenario.market import Finite, NonNeg, Range, Strict

JOINT = "joint"


class Normal(Strict):
    """A normal draw ``{dist: normal, mean, sd}``, truncated to the setting's schema bounds."""

    dist: Literal["normal"] = setting("normal", "The distribution's name.", basis="convention")
    mean: Finite = setting(meaning="Mean of the normal (before truncation).", basis="data")
    sd: NonNeg = setting(meaning="Standard deviation of the normal (before truncation).",
                         basis="data")


class Joint(Strict):
    """Settings drawn together from one normal, truncated to each setting's schema bounds."""

    paths: list[str] = setting(meaning="The settings drawn together, by dotted path.",
                               basis="data", min_length=1)
    mean: list[Finite] = setting(meaning="Mean of each setting, in the order of paths.",
                                 basis="data")
    cov: list[list[Finite]] = setting(meaning="Covariance matrix, rows and columns in the "
                                      "order of paths.", basis="data")

    @model_validator(mode="after")
    def _shapes(self) -> Joint:
        n = len(self.paths)
        if len(set(self.paths)) != n:
            raise ValueError("paths: each setting once")
        if len(self.mean) != n:
            raise ValueError(f"mean: {len(self.mean)} values for {n} paths")
        c = np.asarray(self.cov, dtype=float)
        if c.shape != (n, n):
            raise ValueError(f"cov: must be {n} x {n} (one row and column per path)")
        if not np.allclose(c, c.T, rtol=1e-6, atol=1e-12):
            raise ValueError("cov: must be symmetric")
        if np.linalg.eigvalsh(c).min() < -1e-9 * max(1.0, float(np.abs(c).max())):
            raise ValueError("cov: must be positive semi-definite (a covariance)")
        return self


def _form(value: Any) -> str:
    """Which form an entry is, by its keys, so errors are those of the form meant."""
    keys = value if isinstance(value, dict) else getattr(value, "__dict__", None)
    if not isinstance(keys, dict):
        return "range"          # not a mapping at all: refused as the plain range form
    if "paths" in keys:
        return "joint"
    if keys.get("dist") == "normal":
        return "normal"
    return "range"


Uncertain = Annotated[Annotated[Range, Tag("range")] | Annotated[Normal, Tag("normal")]
                      | Annotated[Joint, Tag("joint")], Discriminator(_form)]


def paths_of(uncertainties: dict[str, Any]) -> list[str]:
    """Every uncertain setting: the single entries (sorted), then the joint block's paths.

    The order is the order of the dimensions drawn, so a scenario of ranges alone draws
    exactly as before the other forms existed.
    """
    single = sorted(p for p in uncertainties if p != JOINT)
    joint = uncertainties.get(JOINT)
    return single + (list(joint.paths) if joint is not None else [])


def _truncated_normal_ppf(u: np.ndarray, mean: float, sd: float, lo: float,
                          hi: float) -> np.ndarray:
    """Quantiles ``u`` of a normal truncated to ``[lo, hi]``."""
    from scipy.stats import norm

    if sd <= 0:
        return np.clip(np.full_like(u, mean), lo, hi)
    a, b = norm.cdf((lo - mean) / sd), norm.cdf((hi - mean) / sd)
    return np.clip(mean + sd * norm.ppf(a + u * (b - a)), lo, hi)


def marginal_range(entry: Range | Normal, bounds: tuple[float, float]) -> tuple[float, float]:
    """A range standing for an entry where a study needs one: 5% and 95% for a normal."""
    if isinstance(entry, Range):
        return entry.low, entry.high
    q = _truncated_normal_ppf(np.array([0.05, 0.95]), entry.mean, entry.sd, *bounds)
    return float(q[0]), float(q[1])


def transform(entry: Range | Normal, unit: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    """Values of one single entry from uniform draws ``unit`` in [0, 1)."""
    if isinstance(entry, Range):
        return entry.low + unit * (entry.high - entry.low)
    return _truncated_normal_ppf(unit, entry.mean, entry.sd, *bounds)


def joint_draws(joint: Joint, unit: np.ndarray, bounds: list[tuple[float, float]],
                rng: np.random.Generator) -> np.ndarray:
    """Rows of the joint normal from uniform draws ``unit`` (rows, len(paths)).

    Rows that fall outside a setting's bounds are redrawn from ``rng`` until inside (a
    truncated normal by rejection: clipping would pile probability on the bounds).
    """
    from scipy.stats import norm

    mean = np.asarray(joint.mean, dtype=float)
    cov = np.asarray(joint.cov, dtype=float)
    vals, vecs = np.linalg.eigh(cov)
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))   # works for a singular covariance too
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    z = norm.ppf(np.clip(unit, 1e-12, 1 - 1e-12))
    out = mean + z @ root.T
    for i in range(len(out)):
        tries = 0
        while not ((out[i] >= lo) & (out[i] <= hi)).all():
            tries += 1
            if tries > 10_000:
                raise ValueError("uncertainties.joint: the normal lies almost wholly outside "
                                 "the settings' bounds")
            out[i] = mean + root @ rng.standard_normal(len(mean))
    return out


def finite_bounds(lo: float | None, hi: float | None) -> tuple[float, float]:
    """Bounds with a missing end as infinity."""
    return (-math.inf if lo is None else float(lo), math.inf if hi is None else float(hi))
