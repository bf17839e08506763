"""Customer choice: multinomial logit over the brand's offers and the competitor.

Utility of option ``j`` for deal ``i`` (dimensionless)::

    U_ij = -b_price * p_ij / list_i - b_delivery * t_ij + b_expertise * x_i * e_j
           + b_relationship * [j is the incumbent] + b_spec * s_ij + const_j

with ``p`` the price (money), ``t`` delivery (weeks), ``x`` the product's complexity in
[0, 1], ``e`` the seller's expertise in [0, 1] and ``s`` +1 for the brand where the
brand was specified into the project (-1 where the competitor was). The customer
picks ``argmax_j (U_ij + scale * g_ij)`` with ``g`` standard Gumbel noise, which is a
draw from the logit shares ``P_ij = exp(U_ij / scale) / sum_k exp(U_ik / scale)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np


@dataclass(frozen=True)
class UtilityWeights:
    """Weights of the utility terms (all >= 0 except the brand constant).

    ``brand_constant`` may be an array broadcast against the options (one per offer: its
    deal's segment's constant).
    """

    price: float
    delivery: float
    expertise: float
    relationship: float
    specification: float
    brand_constant: float | np.ndarray = 0.0


def utility(
    w: UtilityWeights,
    price_rel: np.ndarray,
    delivery: np.ndarray,
    complexity: np.ndarray,
    expertise: np.ndarray,
    incumbent: np.ndarray,
    spec: np.ndarray,
    is_brand: np.ndarray,
) -> np.ndarray:
    """Deterministic utility ``U`` of each option (formula in the module docstring).

    Args:
        w: utility weights.
        price_rel: price over list price (dimensionless).
        delivery: delivery time in weeks.
        complexity: product complexity in [0, 1] (broadcast per deal).
        expertise: seller expertise in [0, 1].
        incumbent: 1.0 where the option is the customer's incumbent supplier.
        spec: +1 brand specified, -1 competitor specified, 0 neither (per deal, signed
            for the option: pass ``spec`` for brand options and ``-spec`` for the competitor).
        is_brand: 1.0 for the brand's own channel options.

    Returns:
        Array of utilities broadcast from the inputs.

    """
    return (
        -w.price * price_rel
        - w.delivery * delivery
        + w.expertise * complexity * expertise
        + w.relationship * incumbent
        + w.specification * spec
        + w.brand_constant * is_brand
    )


def logit_shares(u: np.ndarray, available: np.ndarray | None = None, scale: float = 1.0):
    """Choice probabilities ``exp(U/scale) / sum exp(U/scale)`` along the last axis.

    Unavailable options get probability 0. Computed stably (max subtracted).
    """
    z = np.asarray(u, dtype=float) / scale
    if available is not None:
        z = np.where(available, z, -np.inf)
    z = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def gumbel(uniform: np.ndarray) -> np.ndarray:
    """Standard Gumbel draws from uniforms in (0, 1): ``-log(-log(u))``."""
    u = np.clip(uniform, 1e-12, 1.0 - 1e-12)
    return -np.log(-np.log(u))


def choose(u: np.ndarray, noise: np.ndarray, available: np.ndarray, scale: float = 1.0):
    """Index of the chosen option per row: ``argmax(U + scale * noise)`` over available ones.

    Rows with no available option return -1.
    """
    z = np.where(available, u + scale * noise, -np.inf)
    pick = np.argmax(z, axis=-1)
    return np.where(available.any(axis=-1), pick, -1)


def choose_among_bids(deal: np.ndarray, z_bids: np.ndarray, z_outside: np.ndarray):
    """Sparse form of :func:`choose` for offers listed as (deal, score) pairs.

    Args:
        deal: deal position of each offer, sorted ascending (offers of a deal together).
        z_bids: utility plus scaled noise of each offer.
        z_outside: the same for the outside option (the competitor), one per deal.

    Returns:
        ``(best, chose_offer)``: index into the offers of each deal's best offer (-1 where
        it has none) and whether the customer takes it, i.e. ``best z >= z_outside`` (ties
        go to the offer, as the dense form's first-column argmax does).

    """
    z_outside = np.asarray(z_outside, dtype=np.float64)
    first = np.empty(len(z_outside), dtype=np.int64)
    takes = np.empty(len(z_outside), dtype=np.bool_)
    _best_bids(np.asarray(deal, dtype=np.int64), np.asarray(z_bids, dtype=np.float64),
               z_outside, first, takes)
    return first, takes


@numba.njit(cache=True, nogil=True)
def _best_bids(deal, z, z_outside, first, takes):  # pragma: no cover - compiled
    """Each deal's first offer of the highest score, and whether it beats the outside.

    Comparisons only: the best score as ``np.maximum`` keeps it (a NaN wins and stays),
    the earliest offer equal to it, ``best >= outside``; any order of offers.
    """
    n = z_outside.shape[0]
    if z.shape[0] != deal.shape[0]:
        raise ValueError("one score per offer")
    at = np.empty_like(deal)
    for k in range(deal.shape[0]):   # numpy's indexing: negative from the end, else checked
        i = deal[k] + n if deal[k] < 0 else deal[k]
        if i < 0 or i >= n:
            raise IndexError("an offer's deal is out of range")
        at[k] = i
    best = np.full(n, -np.inf)
    for k in range(at.shape[0]):
        b = best[at[k]]
        if not (b >= z[k] or b != b):
            best[at[k]] = z[k]
    first[:] = -1
    for k in range(at.shape[0]):
        if first[at[k]] < 0 and z[k] == best[at[k]]:
            first[at[k]] = k
    for i in range(n):
        takes[i] = first[i] >= 0 and best[i] >= z_outside[i]


def _check_nest(nest: float, scale: float) -> None:
    if not (0.0 < nest <= 1.0 and scale > 0.0):
        raise ValueError(f"need 0 < nest <= 1 and scale > 0, got nest={nest!r}, scale={scale!r}")


def inclusive_values(
    deal: np.ndarray, u_bids: np.ndarray, n_deals: int, nest: float, scale: float = 1.0
) -> np.ndarray:
    """Inclusive value of the brand nest per deal, from offers listed as (deal, utility) pairs.

    ``I_i = m_i + nest * scale * ln sum_j exp((U_j - m_i) / (nest * scale))`` over the
    offers ``j`` of deal ``i``, with ``m_i = max_j U_j`` (utility units; stable for small
    ``nest * scale``).

    Args:
        deal: deal position of each offer in ``[0, n_deals)``, sorted ascending.
        u_bids: deterministic utility of each offer (dimensionless).
        n_deals: number of deals.
        nest: dissimilarity ``lambda`` in (0, 1].
        scale: noise scale ``sigma`` > 0.

    Returns:
        ``I`` per deal (length ``n_deals``), ``-inf`` where a deal has no offer.

    """
    _check_nest(nest, scale)
    deal, u = np.asarray(deal, dtype=np.intp), np.asarray(u_bids, dtype=float)
    m = np.full(n_deals, -np.inf)
    np.maximum.at(m, deal, u)
    s = np.bincount(deal, weights=np.exp((u - m[deal]) / (nest * scale)), minlength=n_deals)
    out, has = np.full(n_deals, -np.inf), s > 0
    out[has] = m[has] + nest * scale * np.log(s[has])
    return out


def nested_shares(
    u_brand: np.ndarray,
    available: np.ndarray,
    u_outside: np.ndarray,
    nest: float,
    scale: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Dense nested-logit shares: brand offers in one nest, the competitor alone.

    ``P(brand) = 1 / (1 + exp((U_c - I) / scale))`` with ``I`` as in
    :func:`inclusive_values`, and ``P(j | brand) = exp(U_j / (nest * scale)) /
    sum_k exp(U_k / (nest * scale))`` over the available offers.

    Args:
        u_brand: ``[D, J]`` utilities of the brand offers (dimensionless).
        available: ``[D, J]`` mask of the offers actually made.
        u_outside: ``[D]`` utility of the competitor.
        nest: dissimilarity ``lambda`` in (0, 1].
        scale: noise scale ``sigma`` > 0.

    Returns:
        ``(P_brand [D], P_j_given_brand [D, J])``; rows with no available offer get
        ``P_brand = 0`` and zeros.

    """
    _check_nest(nest, scale)
    ok = np.asarray(available, dtype=bool)
    u, has = np.where(ok, np.asarray(u_brand, dtype=float), -np.inf), ok.any(axis=-1)
    m0 = np.where(has, u.max(axis=-1), 0.0)
    e = np.exp((u - m0[:, None]) / (nest * scale))
    s = np.where(has, e.sum(axis=-1), 1.0)
    cond, inc = e / s[:, None], m0 + nest * scale * np.log(s)
    x = (inc - np.asarray(u_outside, dtype=float)) / scale
    p_brand = np.where(has, np.exp(-np.logaddexp(0.0, -x)), 0.0)
    return p_brand, cond


def choose_nested(
    deal: np.ndarray,
    u_bids: np.ndarray,
    g_bids: np.ndarray,
    u_outside: np.ndarray,
    g_nest: np.ndarray,
    g_outside: np.ndarray,
    nest: float,
    scale: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact nested-logit draw for offers listed as (deal, utility) pairs.

    The brand wins deal ``i`` iff ``I_i + scale * g_nest_i >= U_c,i + scale * g_outside_i``
    (ties to the brand); its offer is ``argmax_j (U_j + nest * scale * g_j)`` (ties to the
    first). ``I`` uses utilities only and the nest draw is per deal, so an arm with fewer
    offers on a deal shares every remaining draw (common random numbers).

    Why this is the nested logit (``G``, ``G_*`` independent standard Gumbel):
    (1) ``sigma G_a - sigma G_b`` is logistic with scale ``sigma``, so
    ``P(brand) = P(I + sigma G_nest >= U_c + sigma G_comp) = 1 / (1 + exp((U_c - I) / sigma))``.
    (2) ``argmax_j (U_j + lambda sigma G_j)`` is a logit with scale ``lambda sigma``:
    ``P(j | brand) = exp(U_j / (lambda sigma)) / sum_k exp(U_k / (lambda sigma))``.
    (3) The ``G_j`` are independent of ``(G_nest, G_comp)``, so ``P(j) = P(brand) P(j | brand)``.
    This is McFadden's GEV model with ``G(y) = (sum_j y_j^(1/lambda))^lambda + y_c``,
    ``y = exp(U / sigma)``: with ``S = sum_k y_k^(1/lambda)`` (so ``S^lambda = exp(I / sigma)``),
    ``P(j) = y_j dG/dy_j / G = (y_j^(1/lambda) / S) * S^lambda / (S^lambda + y_c)``, the
    product of (2) and (1). Two-level reading: ``max_j (U_j + lambda sigma G_j)`` is
    distributed as ``I + lambda sigma G`` (max-stability); in the GEV vector the nest maximum
    is ``I + sigma G'`` and its argmax is independent of its value, just as our argmax is of
    ``I + sigma G_nest``. The offers' noisy utilities are not a GEV vector, but the choice
    law is the same, which is all the model uses. Cardell (1997) samples a true GEV vector as
    ``U_j + sigma (C_lambda + lambda G_j)`` with ``C_lambda`` a per-nest draw from his
    C(lambda) law; not used here (no closed-form quantile).

    Args:
        deal: deal position of each offer, sorted ascending.
        u_bids: utility of each offer (dimensionless).
        g_bids: standard Gumbel draw of each offer.
        u_outside: utility of the competitor, one per deal.
        g_nest: standard Gumbel draw of the brand nest, one per deal.
        g_outside: standard Gumbel draw of the competitor, one per deal.
        nest: dissimilarity ``lambda`` in (0, 1].
        scale: noise scale ``sigma`` > 0.

    Returns:
        ``(best, chose_offer)`` as in :func:`choose_among_bids`: index into the offers of
        each deal's best offer inside the nest (-1 where it has none) and whether the brand
        nest wins the deal (False where it has no offer).

    """
    u_out = np.asarray(u_outside, dtype=float)
    inc = inclusive_values(deal, u_bids, len(u_out), nest, scale)
    z_bids = np.asarray(u_bids, dtype=float) + nest * scale * np.asarray(g_bids, dtype=float)
    best, _ = choose_among_bids(np.asarray(deal, dtype=np.intp), z_bids, u_out)
    wins = inc + scale * np.asarray(g_nest) >= u_out + scale * np.asarray(g_outside)
    return best, (best >= 0) & wins


# load (or, the first time on a machine, compile) the kernel now, not in a run
_best_bids(np.zeros(1, dtype=np.int64), np.zeros(1), np.zeros(1), np.zeros(1, dtype=np.int64),
           np.zeros(1, dtype=np.bool_))
