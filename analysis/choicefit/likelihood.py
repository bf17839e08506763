"""The project's own likelihood of a quote log, written from the model's choice rule.

With ``U_j`` the utility of quote ``j`` and ``U_c`` the competitor's (both from
``sim.rules.choice.utility``, noise scale 1) and ``I`` the brand nest's inclusive value
(``sim.rules.choice.inclusive_values``, dissimilarity ``lambda``), a deal's probabilities
are (dimensionless)::

    P(brand)     = 1 / (1 + exp(U_c - I))
    P(j | brand) = exp((U_j - I) / lambda)
    P(j)         = P(brand) P(j | brand),    P(competitor) = 1 - P(brand)

and the log-likelihood is the sum over deals of ``ln P`` of what the customer chose. The
library's estimate is checked against this (``ChoiceFit.own_log_likelihood``), and a
scenario's ``choice`` section is turned into a parameter vector by :func:`vector_of`.
"""

from __future__ import annotations

import numpy as np

from analysis.choicefit.design import CONSTANTS, PARAMETERS, ChoiceData
from sim.rules.choice import UtilityWeights, inclusive_values, utility
from sim.scenario import Scenario
from sim.vocab import SEGMENTS


def vector_of(sc: Scenario) -> np.ndarray:
    """A scenario's choice settings as the parameter vector (order of ``PARAMETERS``).

    Weights are divided by the noise scale: the fit's scale is 1.
    """
    c = sc.choice
    v = [c.price, c.delivery, c.expertise, c.relationship, c.specification,
         *(c.brand_constant[s] for s in SEGMENTS)]
    return np.array([*(np.array(v) / c.noise_scale), c.brand_nest])


def utilities(theta: np.ndarray, x: ChoiceData) -> tuple[np.ndarray, np.ndarray]:
    """``(U_quotes, U_competitor)`` at parameters ``theta`` (order of ``PARAMETERS``)."""
    p = dict(zip(PARAMETERS, theta, strict=True))
    bc = np.array([p[c] for c in CONSTANTS])
    w = UtilityWeights(p["price"], p["delivery"], p["expertise"], p["relationship"],
                       p["specification"], bc[x.segment][x.deal])
    u = utility(w, x.price, x.delivery, 1.0, x.expertise, x.incumbent, x.spec[x.deal], 1.0)
    w_c = UtilityWeights(p["price"], p["delivery"], p["expertise"], p["relationship"],
                         p["specification"], 0.0)
    u_c = utility(w_c, x.c_price, x.c_delivery, 1.0, x.c_expertise, x.c_incumbent, -x.spec,
                  0.0)
    return u, u_c


def log_probabilities(theta: np.ndarray, x: ChoiceData) -> tuple[np.ndarray, np.ndarray]:
    """``(ln P(j) per quote, ln P(competitor) per deal)`` at ``theta``."""
    u, u_c = utilities(theta, x)
    lam = float(theta[PARAMETERS.index("brand_nest")])
    inc = inclusive_values(x.deal, u, x.n_deals, lam)
    log_brand = -np.logaddexp(0.0, u_c - inc)
    log_comp = -np.logaddexp(0.0, inc - u_c)
    return log_brand[x.deal] + (u - inc[x.deal]) / lam, log_comp


def log_likelihood(theta: np.ndarray, x: ChoiceData) -> float:
    """Sum over deals of ``ln P`` of the chosen option (formula in the module docstring)."""
    log_j, log_comp = log_probabilities(theta, x)
    brand = np.bincount(x.deal, weights=x.won, minlength=x.n_deals) > 0
    return float(log_j[x.won].sum() + log_comp[~brand].sum())


def win_probabilities(theta: np.ndarray, x: ChoiceData) -> np.ndarray:
    """Each quote's probability of winning its deal at ``theta``."""
    return np.exp(log_probabilities(theta, x)[0])


def null_log_likelihood(x: ChoiceData) -> float:
    """Log-likelihood of equal shares among each deal's options, the reference of rho-squared.

    The options are the brand's quotes on the deal and the competitor.
    """
    return float(-np.log(x.quotes_per_deal + 1.0).sum())
