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

import numpy as np


@dataclass(frozen=True)
class UtilityWeights:
    """Weights of the utility terms (all >= 0 except the brand constant)."""

    price: float
    delivery: float
    expertise: float
    relationship: float
    specification: float
    brand_constant: float = 0.0


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
    n = len(z_outside)
    best_z = np.full(n, -np.inf)
    np.maximum.at(best_z, deal, z_bids)
    is_best = z_bids == best_z[deal]
    first = np.full(n, -1)
    idx = np.flatnonzero(is_best)
    uniq, pos = np.unique(deal[idx], return_index=True)
    first[uniq] = idx[pos]
    return first, (first >= 0) & (best_z >= z_outside)
