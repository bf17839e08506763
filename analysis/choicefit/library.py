"""The nested logit of a quote log, estimated by maximum likelihood with Biogeme.

Biogeme (https://biogeme.epfl.ch, Bierlaire) takes one row per deal in wide form: slot
``k`` holds the deal's ``k``-th quote of the brand (``AV_k = 0`` past the deal's last
quote, so deals with different numbers of quotes share one model), alternative 0 is the
competitor, alone outside the brand's nest. Its utilities are the model's
(``sim.rules.choice.utility``) at noise scale 1::

    V_k = -B_price P_k - B_delivery T_k + B_expertise X_k + B_relationship R_k
          + B_specification S + ASC_segment
    V_0 = -B_price P_c - B_delivery T_c + B_expertise X_c + B_relationship R_c
          - B_specification S

Biogeme's nest parameter is ``MU = 1 / lambda`` (``MU >= 1``): the model's dissimilarity is
``lambda = 1 / MU`` and its standard error comes by the delta method. Weights the data
cannot tell are fixed at their prior (Biogeme's ``status=1``). Biogeme writes no file here
(its parameters are passed, not read from ``biogeme.toml``) and runs on one thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.choicefit.design import CONSTANTS, PARAMETERS, WEIGHTS, ChoiceData
from sim.errors import UserError
from sim.vocab import SEGMENTS

_NEST = "brand_nest"
_MU_MAX = 100.0   # lambda >= 0.01: below it the nest is "only the best offer" already


@dataclass(frozen=True)
class LibraryFit:
    """What Biogeme found, in the model's parametrisation (``PARAMETERS``, lambda not MU).

    Attributes:
        theta: the estimates (fixed parameters at their prior).
        cov: robust (sandwich) covariance of ``theta``; zero rows and columns for fixed ones.
        log_likelihood: Biogeme's final log-likelihood.
        converged: whether its optimiser says it converged.

    """

    theta: np.ndarray
    cov: np.ndarray
    log_likelihood: float
    converged: bool


def _names() -> dict[str, str]:
    """Biogeme's name of each parameter."""
    out = {w: f"B_{w}" for w in WEIGHTS}
    out.update({c: f"ASC_{c.split('.')[1]}" for c in CONSTANTS})
    out[_NEST] = "MU"
    return out


def wide(x: ChoiceData) -> pd.DataFrame:
    """One row per deal: the quotes in slots ``0..J-1`` with availability, the competitor."""
    n, counts = x.n_deals, x.quotes_per_deal
    slots = int(counts.max())
    pos = np.arange(len(x.deal)) - np.repeat(np.cumsum(counts) - counts, counts)
    cols: dict[str, np.ndarray] = {}
    for name, values in (("P", x.price), ("T", x.delivery), ("X", x.expertise),
                         ("R", x.incumbent)):
        grid = np.zeros((n, slots))
        grid[x.deal, pos] = values
        cols.update({f"{name}{k}": grid[:, k] for k in range(slots)})
    av = np.zeros((n, slots))
    av[x.deal, pos] = 1.0
    cols.update({f"AV{k}": av[:, k] for k in range(slots)})
    chosen = np.zeros(n)
    idx = np.flatnonzero(x.won)
    chosen[x.deal[idx]] = pos[idx] + 1
    cols.update({"S": x.spec, "PC": x.c_price, "TC": x.c_delivery, "XC": x.c_expertise,
                 "RC": x.c_incumbent, "CHOICE": chosen})
    cols.update({f"SEG_{s}": (x.segment == i).astype(float) for i, s in enumerate(SEGMENTS)})
    return pd.DataFrame(cols)


def _model(df: pd.DataFrame, start: dict[str, float], fixed: set[str]):
    """Biogeme's log-probability expression, availabilities, utilities and nests."""
    _import_biogeme()
    from biogeme.expressions import Beta, Variable
    from biogeme.models import lognested
    from biogeme.nests import NestsForNestedLogit, OneNestForNestedLogit

    names = _names()
    b = {}
    for p in PARAMETERS:
        lo, hi = (1.0, _MU_MAX) if p == _NEST else (None, None)
        value = 1.0 / start[p] if p == _NEST else start[p]
        b[p] = Beta(names[p], value, lo, hi, 1 if p in fixed else 0)
    slots = sum(c.startswith("AV") for c in df.columns)
    asc = sum(b[f"brand_constant.{s}"] * Variable(f"SEG_{s}") for s in SEGMENTS)
    util = {0: (-b["price"] * Variable("PC") - b["delivery"] * Variable("TC")
                + b["expertise"] * Variable("XC") + b["relationship"] * Variable("RC")
                - b["specification"] * Variable("S"))}
    for k in range(slots):
        util[k + 1] = (-b["price"] * Variable(f"P{k}") - b["delivery"] * Variable(f"T{k}")
                       + b["expertise"] * Variable(f"X{k}")
                       + b["relationship"] * Variable(f"R{k}")
                       + b["specification"] * Variable("S") + asc)
    av = {0: 1.0, **{k + 1: Variable(f"AV{k}") for k in range(slots)}}
    # the competitor alone in a nest of MU = 1 is the same as outside any nest (said, not
    # left for Biogeme to guess with a warning)
    nests = NestsForNestedLogit(choice_set=list(util), tuple_of_nests=(
        OneNestForNestedLogit(nest_param=b[_NEST], list_of_alternatives=list(range(1, slots + 1)),
                              name="brand"),
        OneNestForNestedLogit(nest_param=1.0, list_of_alternatives=[0], name="competitor")))
    return lognested(util, av, nests, Variable("CHOICE"))


def _import_biogeme():
    try:
        import biogeme.biogeme as bio
    except ImportError:
        raise UserError("fit-choice needs Biogeme: pip install --no-deps 'biogeme==3.3.5' "
                        "(make venv does)") from None
    return bio


def _biogeme(df: pd.DataFrame, formulas):
    bio = _import_biogeme()
    from biogeme.database import Database
    from biogeme.parameters import Parameters

    # Biogeme logs to the root logger's handlers; a command line prints its own summary.
    logging.getLogger("biogeme").setLevel(logging.ERROR)
    m = bio.BIOGEME(Database("quotes", df), formulas, parameters=Parameters(),
                    generate_html=False, generate_yaml=False, generate_netcdf=False,
                    save_iterations=False, number_of_threads=1)
    m.model_name = "quotes"
    return m


def estimate(x: ChoiceData, start: np.ndarray, fixed: set[str]) -> LibraryFit:
    """Maximum likelihood of the nested logit, from ``start`` with ``fixed`` held there.

    Args:
        x: the quotes' utility terms.
        start: starting values (order of ``PARAMETERS``, lambda not MU); the prior.
        fixed: parameters held at their starting value (not identified).

    """
    _import_biogeme()
    from biogeme.exceptions import BiogemeError
    from biogeme.results_processing import EstimateVarianceCovariance

    df = wide(x)
    start_map = dict(zip(PARAMETERS, start, strict=True))
    try:
        res = _biogeme(df, _model(df, start_map, fixed)).estimate()
    except BiogemeError as exc:
        raise UserError(f"the estimation failed (Biogeme: {' '.join(str(exc).split())})") from None
    values = res.get_beta_values()
    names = _names()
    theta = np.array([values.get(names[p], start_map[p]) for p in PARAMETERS], dtype=float)
    i_nest = PARAMETERS.index(_NEST)
    mu = theta[i_nest]
    theta[i_nest] = 1.0 / mu if _NEST not in fixed else start_map[_NEST]
    free = [p for p in PARAMETERS if p not in fixed]
    v = res.get_variance_covariance_matrix(EstimateVarianceCovariance.ROBUST)
    idx = [res.get_parameter_index(names[p]) for p in free]
    jac = np.array([(-1.0 / mu**2) if p == _NEST else 1.0 for p in free])
    cov = np.zeros((len(PARAMETERS), len(PARAMETERS)))
    pos = [PARAMETERS.index(p) for p in free]
    cov[np.ix_(pos, pos)] = v[np.ix_(idx, idx)] * np.outer(jac, jac)
    return LibraryFit(theta, cov, float(res.final_loglikelihood),
                      bool(res.algorithm_has_converged))


def library_log_likelihood(x: ChoiceData, theta: np.ndarray) -> tuple[float, np.ndarray]:
    """Biogeme's log-likelihood at ``theta`` (lambda, not MU), and each deal's ``ln P``."""
    df = wide(x)
    start = dict(zip(PARAMETERS, theta, strict=True))
    m = _biogeme(df, {"logp": _model(df, start, set(PARAMETERS))})
    names = _names()
    betas = {names[p]: (1.0 / v if p == _NEST else float(v)) for p, v in start.items()}
    logp = m.simulate(betas)["logp"].to_numpy(dtype=float)
    return float(logp.sum()), logp
