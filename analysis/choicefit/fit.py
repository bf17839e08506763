"""The customer's choice fitted to a quote log: :func:`fit_choice` and its :class:`ChoiceFit`.

The fit starts from the scenario's ``choice`` section (the prior), holds there what the data
cannot tell (:func:`analysis.choicefit.design.identification`), estimates the rest with
Biogeme (:mod:`analysis.choicefit.library`) and checks the library against the project's
own log-likelihood (:mod:`analysis.choicefit.likelihood`) at the estimate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.stats import chi2

from analysis.choicefit import library
from analysis.choicefit.design import PARAMETERS, WEIGHTS, ChoiceData, choice_data, identification
from analysis.choicefit.likelihood import (
    log_likelihood,
    null_log_likelihood,
    vector_of,
    win_probabilities,
)
from analysis.choicefit.quotes import Quotes, QuotesError, read_quotes
from sim.scenario import Scenario, load_scenario

MIN_DEALS = 50          # fewer deals than this cannot carry ten parameters
Z95 = 1.959963984540054
ENDOGENEITY = ("prices in a CRM quote log are chosen by sellers who know the deal (a "
               "customer who would buy anyway gets a higher price): price is endogenous, "
               "which biases the price weight toward zero and can carry it past zero; treat "
               "it as a lower bound (docs/choice-fit.md)")


@dataclass
class ChoiceFit:
    """The fitted choice.

    Attributes:
        names: the parameters (``price`` ... ``brand_constant.<segment>``, ``brand_nest``).
        prior: the scenario's values (weights over its noise scale).
        estimate: the estimates; parameters not identified stay at the prior.
        cov: their robust covariance (zero rows and columns for those not identified).
        not_identified: why, by parameter, the data could not tell it.
        log_likelihood: Biogeme's at the estimate.
        own_log_likelihood: the project's (from the choice rule's formula) at the estimate.
        null_log_likelihood: equal shares among each deal's options.
        hit_rate: share of deals whose most probable option is the one chosen.
        win_probability: each quote's fitted probability of winning.
        deals, quotes: how many.
        converged: whether the optimiser converged.
        warnings: what the figures cannot show (plain sentences).
        data: the quotes' utility terms (for the calibration chart and checks).

    """

    names: tuple[str, ...]
    prior: np.ndarray
    estimate: np.ndarray
    cov: np.ndarray
    not_identified: dict[str, str]
    log_likelihood: float
    own_log_likelihood: float
    null_log_likelihood: float
    hit_rate: float
    win_probability: np.ndarray
    deals: int
    quotes: int
    converged: bool
    warnings: list[str] = field(default_factory=list)
    data: ChoiceData | None = field(default=None, repr=False)

    @property
    def se(self) -> np.ndarray:
        """Standard errors (NaN where not identified)."""
        se = np.sqrt(np.clip(np.diag(self.cov), 0.0, None))
        return np.where([n in self.not_identified for n in self.names], np.nan, se)

    @property
    def t(self) -> np.ndarray:
        """t-statistics against 0."""
        return self.estimate / self.se

    @property
    def rho_squared(self) -> float:
        """``1 - LL / LL0`` against equal shares."""
        return 1.0 - self.log_likelihood / self.null_log_likelihood

    def interval(self, name: str) -> tuple[float, float]:
        """The 95% interval ``estimate +/- 1.96 se``."""
        i = self.names.index(name)
        return (float(self.estimate[i] - Z95 * self.se[i]),
                float(self.estimate[i] + Z95 * self.se[i]))

    def free(self) -> list[int]:
        """Positions of the estimated parameters."""
        return [i for i, n in enumerate(self.names) if n not in self.not_identified]

    def wald(self, planted: np.ndarray) -> tuple[float, float]:
        """Joint Wald test of ``estimate == planted`` over the estimated parameters.

        Returns:
            ``(statistic, p-value)``, chi-square with as many degrees of freedom as
            parameters estimated.

        """
        i = self.free()
        diff = (self.estimate - np.asarray(planted, dtype=float))[i]
        stat = float(diff @ np.linalg.solve(self.cov[np.ix_(i, i)], diff))
        return stat, float(chi2.sf(stat, len(i)))

    def value(self, name: str) -> float:
        """The fitted value of one parameter."""
        return float(self.estimate[self.names.index(name)])


def _hit_rate(x: ChoiceData, p: np.ndarray) -> float:
    """Share of deals where the most probable option (a quote or the competitor) was chosen."""
    best = np.full(x.n_deals, -np.inf)
    np.maximum.at(best, x.deal, p)
    p_comp = 1.0 - np.bincount(x.deal, weights=p, minlength=x.n_deals)
    top_is_comp = p_comp >= best
    chosen = x.chosen
    won_p = np.where(chosen >= 0, p[np.maximum(chosen, 0)], -1.0)
    hit = np.where(top_is_comp, chosen < 0, (chosen >= 0) & (won_p >= best))
    return float(hit.mean())


def _warnings(fit_names, est, not_identified: dict[str, str], converged: bool) -> list[str]:
    out = [ENDOGENEITY]
    for name, why in not_identified.items():
        out.append(f"{name} is not identified ({why}); it keeps its prior value")
    for name, v in zip(fit_names, est, strict=True):
        if name in WEIGHTS and name not in not_identified and v < 0:
            out.append(f"{name} came out negative ({v:.3g}), against the model's sign; the "
                       "fitted scenario writes 0")
    lam = est[fit_names.index("brand_nest")]
    if "brand_nest" not in not_identified and lam >= 1.0 - 1e-6:
        out.append("brand_nest sits at its bound 1 (a plain logit); its standard error is "
                   "not reliable")
    if not converged:
        out.append("the optimiser did not report convergence; the estimates may be off")
    return out


def _quotes(quotes: Quotes | str | Path, sc: Scenario) -> Quotes:
    return quotes if isinstance(quotes, Quotes) else read_quotes(quotes, sc)


def fit_choice(quotes: Quotes | str | Path, scenario: Scenario | str | Path) -> ChoiceFit:
    """Estimate the choice weights and the brand nest from a quote log.

    Args:
        quotes: a quotes file (CSV or .xlsx) or quotes already read.
        scenario: the scenario (or its file) whose products, network and competitor the
            quotes were made in; its ``choice`` section is the prior.

    Raises:
        QuotesError: a file that cannot be used, or too little in it to fit.

    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    q = _quotes(quotes, sc)
    if q.n_deals < MIN_DEALS:
        raise QuotesError(f"{q.path}: {q.n_deals} deals; a fit needs at least {MIN_DEALS}")
    won = q.brand_won
    if won.all() or not won.any():
        raise QuotesError(f"{q.path}: the brand {'won' if won.all() else 'lost'} every deal; "
                          "a choice cannot be fitted without both outcomes")
    x = choice_data(q, sc)
    prior = vector_of(sc)
    why = identification(x)
    lib = library.estimate(x, prior, set(why))
    flat = [n for i, n in enumerate(PARAMETERS) if n not in why
            and not (np.isfinite(lib.cov[i, i]) and lib.cov[i, i] > 0)]
    if flat:   # the likelihood does not curve in them: hold them at the prior and fit again
        why.update(dict.fromkeys(flat, "the likelihood is flat in it (no standard error)"))
        lib = library.estimate(x, prior, set(why))
    p = win_probabilities(lib.theta, x)
    return ChoiceFit(
        PARAMETERS, prior, lib.theta, lib.cov, why, lib.log_likelihood,
        log_likelihood(lib.theta, x), null_log_likelihood(x), _hit_rate(x, p), p,
        x.n_deals, len(x.deal), lib.converged,
        _warnings(PARAMETERS, lib.theta, why, lib.converged), x)
