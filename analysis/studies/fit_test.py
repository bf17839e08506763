"""Whether a calibration can be believed: the over-identification test and weak settings.

**The J test.** With ``M`` moments and ``P`` settings, a model that could reproduce the
history leaves residuals ``g`` (observed less simulated mean moments at the fitted values)
that are luck only: the history's own luck (covariance ``Omega``) and the luck of the ``S``
replications the objective averages (``Omega / S``), so ``Sigma = (1 + 1/S) Omega``. The
fit uses diagonal weights ``W``, not ``Sigma^-1``, so the residuals are projected:
``g ~ Q g0`` with ``Q = I - G (G'WG)^-1 G'W``, and ``J = g' (Q Sigma Q')^+ g`` (``g``
taken at the linearised optimum, ``Q g``, so that a search stopped short of the minimum
does not read as misfit: on a synthetic check with 12 candidates, 37% of correct fits
rejected on the raw residual, 7% at the linearised optimum) is
chi-square with ``k = M - P`` degrees of freedom when the model is right and ``Omega`` is
known. ``Omega`` is estimated, from ``n`` (at least ten per moment) runs on seeds apart
from the objective's, and an estimated covariance is too small in some directions by
chance, so ``J`` runs larger than a chi-square (its mean about ``k n / (n - k - 1)``):
the p-value uses Hotelling's exact law for a statistic standardised by an independent
estimated covariance, ``J (n - k) / ((n - 1) k) ~ F(k, n - k)``, which tends to the
chi-square as ``n`` grows. (With the chi-square, a synthetic check at ``n = 10 M``
rejected 9.5% of correct fits at nominal 5%; with the F law, 6.5%.)

The test uses the moments that are not functions of others: a channel's share is its level
over the sum of the levels (``exp(level:c) / sum exp(level:k)``), so the shares (all of
them, not only one) carry nothing the levels do not and would make ``Omega`` singular.

**Weak identification.** A setting's 90% interval that spans more than
:data:`WEAK_SHARE` of its search range, or that the range cuts off (a bound inside
``value +- 1.645 se``), says the history does not pin the setting down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import f as f_law
from scipy.stats import norm

from analysis.studies.calibration import Z90, Fit, Parameter

LEVEL = 0.05
WEAK_SHARE = 0.5
# data that would add moments a setting moves, by what the setting is about
MORE_DATA = ("a longer history, deal counts by channel (the history's deals column), "
             "distributors' sell-out, or the quote log")


@dataclass
class JTest:
    """The over-identification test.

    Attributes:
        stat: ``J``.
        df: degrees of freedom, ``M - P``.
        p_value: chance of a ``J`` this large if the model is right (Hotelling's F law).
        moments: the moments tested (shares left out).
        z: each tested moment's residual over its standard deviation after the fit.
        failing: the moments the model cannot reproduce (largest ``|z|`` first).
        omega_runs: runs ``Omega`` was estimated from.

    """

    stat: float
    df: int
    p_value: float
    moments: list[str]
    z: dict[str, float]
    failing: list[str]
    omega_runs: int

    @property
    def rejects(self) -> bool:
        """Whether the test rejects the model at :data:`LEVEL`."""
        return self.p_value < LEVEL


def tested(names: list[str]) -> list[int]:
    """Indices of the moments the J test uses: every moment but the channel shares."""
    return [i for i, n in enumerate(names) if not n.startswith("share:")]


def j_test(fit: Fit, names: list[str]) -> JTest:
    """The J test of a fit with diagonal weights (see the module's docstring)."""
    d = fit.jacobian.shape[1]
    G, w = fit.jacobian, fit.weights
    info = G.T @ (w[:, None] * G)
    Q = np.eye(len(names)) - G @ np.linalg.pinv(info) @ (G.T * w[None, :])
    sigma = (1.0 + 1.0 / fit.reps) * fit.omega
    keep = tested(names)
    # the residual at the linearised optimum: a search that stopped short of the minimum
    # leaves a part that one Gauss-Newton step would remove (G'Wg != 0); that part is the
    # optimiser's, not the model's, and would otherwise inflate J where V is small
    g = (Q @ fit.residual)[keep]
    V = (Q @ sigma @ Q.T)[np.ix_(keep, keep)]
    df = max(len(keep) - d, 1)
    # the pseudo-inverse on the M - P directions the fit leaves free (scaled, so the
    # moments' units do not decide which eigenvalues count as zero)
    scale = np.sqrt(np.maximum(np.diag(V), 1e-300))
    vals, vecs = np.linalg.eigh(V / np.outer(scale, scale))
    top = np.argsort(vals)[::-1][:df]
    proj = vecs[:, top].T @ (g / scale)
    stat = float((proj**2 / np.maximum(vals[top], 1e-300)).sum())
    z = g / scale
    bar = norm.ppf(1 - LEVEL / (2 * len(keep)))   # each moment at the test's level overall
    order = np.argsort(-np.abs(z))
    failing = [names[keep[i]] for i in order if abs(z[i]) > bar]
    n = fit.omega_runs
    p_value = (float(f_law.sf(stat * (n - df) / ((n - 1) * df), df, n - df)) if n > df
               else float("nan"))
    if not failing and p_value < LEVEL:    # no one moment alone: the one farthest off
        failing = [names[keep[order[0]]]]
    return JTest(stat, df, p_value, [names[i] for i in keep],
                 {names[k]: float(v) for k, v in zip(keep, z, strict=True)}, failing,
                 fit.omega_runs)


@dataclass
class Identification:
    """How well the history pins one setting down.

    Attributes:
        identified: False when no moment responds to the setting.
        weak: the interval spans more than :data:`WEAK_SHARE` of the range, or is clipped.
        clipped: which ends the search range cut off (``"low"``, ``"high"``).
        width_share: the interval's width as a share of the search range.
        moves: the moments the setting moves most (per its own standard error).

    """

    identified: bool
    weak: bool
    clipped: list[str]
    width_share: float
    moves: list[str]


def identification(fit: Fit, params: list[Parameter],
                   names: list[str]) -> dict[str, Identification]:
    """Each fitted setting's identification (see the module's docstring)."""
    sd = 1.0 / np.sqrt(fit.weights)
    out = {}
    for i, p in enumerate(params):
        v, se = fit.values[p.path], fit.se[p.path]
        ok = bool(np.isfinite(se))
        clipped = [] if not ok else (
            (["low"] if v - Z90 * se < p.low else []) + (["high"] if v + Z90 * se > p.high
                                                         else []))
        share = (fit.high[p.path] - fit.low[p.path]) / (p.high - p.low)
        pull = np.abs(fit.jacobian[:, i]) * (p.high - p.low) / sd
        moves = [names[j] for j in np.argsort(-pull)[:2] if pull[j] > 0]
        out[p.path] = Identification(ok, not ok or bool(clipped) or share > WEAK_SHARE,
                                     clipped if ok else ["low", "high"], float(share), moves)
    return out


def identification_sentences(ident: dict[str, Identification]) -> list[str]:
    """What the identification says, in words, for each setting not well identified."""
    lines = []
    for path, it in ident.items():
        if not it.identified:
            lines.append(f"{path} is not identified: no moment of the history responds to it, "
                         "so its value says nothing; fix it from other knowledge, or bring "
                         f"data it moves: {MORE_DATA}.")
        elif it.weak:
            why = []
            if it.width_share > WEAK_SHARE:
                why.append(f"its 90% interval spans {it.width_share:.0%} of the search range")
            if it.clipped:
                why.append(f"the interval is clipped at the {' and '.join(it.clipped)} end of "
                           "the range (the value may lie beyond it)")
            moved = f" (it moves {', '.join(it.moves)} most)" if it.moves else ""
            lines.append(f"{path} is weakly identified: {'; '.join(why)}{moved}. What would "
                         f"pin it down: {MORE_DATA}.")
    return lines


def j_sentence(test: JTest) -> str:
    """The J test in words: the p-value and, when it rejects, the moments that fail."""
    head = (f"Fit test (over-identification, J = {test.stat:.1f} with {test.df} degrees of "
            f"freedom, Omega from {test.omega_runs} runs on separate seeds): p = "
            f"{test.p_value:.3f}.")
    if not test.rejects:
        return head + (" The model reproduces the history's moments within their luck (this "
                       "cannot show it is right, only that these moments do not refute it).")
    return head + (f" WARNING: the model cannot reproduce the history: "
                   f"{', '.join(test.failing)} "
                   f"{'is' if len(test.failing) == 1 else 'are'} off by more than luck "
                   "allows. Fitted values absorb this error; do not present forecasts from "
                   "this calibration before fitting the setting that moves these moments, "
                   "or finding what in the market differs.")
