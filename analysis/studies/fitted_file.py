"""The calibrated scenario file: fitted values that stay fitted.

A calibrated file ``extends`` the input and sets the fitted values. A fitted setting must
then leave the ``uncertainties:`` it inherited, or ``compare`` (which draws uncertainties
in every future) would redraw it from its old range and silently ignore the fit. Where the
history leaves a fitted setting uncertain, the file declares what the fit says instead:
the fitted settings' joint normal (``uncertainties.joint``: the fitted values and their
covariance, truncated to the schema's bounds), because fitted settings are correlated.

Declared choices:

* a fitted **policy** setting (a lever, say today's distributor discount) is fixed at its
  fitted value: a strategy sets levers, and a future drawn from the baseline would
  overwrite the strategy's own value; its uncertainty enters the calibration's forecast
  band (:func:`band_draws`) and the fit's table, not ``compare``;
* a setting the history does **not identify** keeps the range it inherited (or none): the
  fit says nothing about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from analysis.studies.calibration import Fit, Parameter
from analysis.studies.common import StudyError
from sim.experiments.seeds import sample_uncertainties
from sim.experiments.settings import set_values
from sim.scenario import Scenario
from sim.scenario.schema import UNCERTAIN_SECTIONS, schema_bounds
from sim.scenario.uncertain import JOINT, Joint, joint_draws
from sim.scenario.writer import write_extending

# Spawn key of the band's draws of the fitted settings (apart from compare's stream)
_BAND_KEY = 10**9 + 21


@dataclass
class Fitted:
    """How the fitted settings enter the calibrated file.

    Attributes:
        drawn: fitted settings drawn from their joint normal in every future.
        fixed: fitted settings fixed at their values (levers).
        left: fitted settings the history does not identify (their inherited range kept).
        uncertainties: the ``uncertainties:`` lines the file writes (None removes an
            inherited entry).

    """

    drawn: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    uncertainties: dict = field(default_factory=dict)


def fitted_uncertainties(sc: Scenario, found: Fit, params: list[Parameter]) -> Fitted:
    """What the calibrated file declares about the fitted settings (module docstring)."""
    out = Fitted()
    index = []
    for i, p in enumerate(params):
        if p.path.split(".")[0] not in UNCERTAIN_SECTIONS:
            out.fixed.append(p.path)
        elif not np.isfinite(found.se[p.path]):
            out.left.append(p.path)
        else:
            out.drawn.append(p.path)
            index.append(i)
    inherited = sc.uncertainties.get(JOINT)
    if inherited is not None and set(inherited.paths) - set(out.drawn):
        raise StudyError(f"{sc.name}: its uncertainties.joint ({', '.join(inherited.paths)}) "
                         "comes from an earlier calibration; fit all of its settings again, "
                         "or calibrate the file it extends")
    for path in out.drawn + out.fixed:
        if path in sc.uncertainties:
            out.uncertainties[path] = None
    if out.drawn:
        cov = found.cov[np.ix_(index, index)]
        out.uncertainties[JOINT] = {
            "paths": out.drawn, "mean": [float(found.values[p]) for p in out.drawn],
            "cov": [[float(c) for c in row] for row in (cov + cov.T) / 2]}
    return out


def calibrated_scenario(sc: Scenario, found: Fit, fitted: Fitted) -> Scenario:
    """``sc`` with the fitted values set and the fitted uncertainties declared."""
    data = set_values(sc, found.values).model_dump(mode="json")
    uncertain = {p: u for p, u in data["uncertainties"].items() if p not in fitted.uncertainties}
    uncertain.update({p: u for p, u in fitted.uncertainties.items() if u is not None})
    data["uncertainties"] = uncertain
    return Scenario.model_validate(data).with_policy_before(sc._policy_before)


def write_calibrated(target: Path, source: Path, sc: Scenario, found: Fit,
                     fitted: Fitted, header: str, also_paths: tuple[str, ...] = ()) -> Path:
    """Write the calibrated file: extends ``source``, sets the values and uncertainties.

    ``also_paths`` are further settings of ``sc`` to write as they are (fitted seasons).
    """
    return write_extending(target, source, set_values(sc, found.values),
                           [*found.values, *also_paths],
                           f"{sc.name}_calibrated", header,
                           extra={"uncertainties": fitted.uncertainties}
                           if fitted.uncertainties else None)


def band_draws(calibrated: Scenario, found: Fit, fitted: Fitted, reps: int,
               seed: int) -> list[dict[str, float]]:
    """Settings for the forecast band: what ``compare`` draws, plus the fixed levers' error.

    The band is a forecast under today's policy, so a fitted lever's uncertainty belongs in
    it even though ``compare`` holds the lever fixed: every identified fitted setting is
    drawn from the fit's joint normal (truncated to the schema's bounds), the calibrated
    file's other uncertainties as ``compare`` draws them.
    """
    draws = sample_uncertainties(calibrated, reps, seed)
    paths = fitted.drawn + fitted.fixed
    if not paths:
        return draws
    index = [list(found.values).index(p) for p in paths]
    cov = found.cov[np.ix_(index, index)]
    joint = Joint(paths=paths, mean=[found.values[p] for p in paths],
                  cov=((cov + cov.T) / 2).tolist())
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_BAND_KEY,)))
    values = joint_draws(joint, rng.random((reps, len(paths))),
                         [schema_bounds(p) for p in paths], rng)
    return [{**d, **dict(zip(paths, map(float, row), strict=True))}
            for d, row in zip(draws, values, strict=True)]


def fitted_sentence(fitted: Fitted) -> str:
    """What ``compare`` will do with the fitted settings, in words."""
    parts = []
    if fitted.drawn:
        parts.append(f"{', '.join(fitted.drawn)} left the ranges they had and are drawn in "
                     "every future from their fitted joint normal (uncertainties.joint: the "
                     "fitted values and their covariance)")
    if fitted.fixed:
        parts.append(f"{', '.join(fitted.fixed)} (policy, a lever) is fixed at its fitted "
                     "value; its interval is not drawn")
    if fitted.left:
        parts.append(f"{', '.join(fitted.left)} is not identified and keeps whatever range "
                     "it had")
    return "In compare: " + "; ".join(parts) + "."
