"""Prices: how discounts combine, and what a reseller quotes."""

from __future__ import annotations

import numpy as np


def stack_discounts(components: np.ndarray, mode: str, cap: float) -> np.ndarray:
    """Combine discount components (last axis) into one effective discount off list.

    ``stacked``:  ``d = 1 - prod_k (1 - d_k)`` (each discount applies on top of the last);
    ``best_of``:  ``d = max_k d_k`` (only the largest applies, no duplicates).
    The result is capped at ``cap``. Fractions in [0, 1].
    """
    c = np.asarray(components, dtype=float)
    if mode == "stacked":
        d = 1.0 - np.prod(1.0 - c, axis=-1)
    elif mode == "best_of":
        d = np.max(c, axis=-1)
    else:
        raise ValueError(f"unknown stacking mode {mode!r}")
    return np.minimum(d, cap)


def quote_price(
    list_price: np.ndarray,
    cost: np.ndarray,
    street_discount: np.ndarray,
    rivals: np.ndarray,
    war_step: float,
    margin_floor: np.ndarray,
    resale_floor: np.ndarray,
) -> np.ndarray:
    """A reseller's quote per unit (money).

    The market price is ``list * (1 - street - war_step * rivals)``: the street discount
    customers of the segment expect, deepened by a price war with each rival bidder of the
    same brand. The reseller never goes below its own floor ``cost / (1 - margin_floor)``
    (a margin of ``margin_floor`` on the selling price) nor below ``resale_floor`` (money;
    0 where no minimum resale price binds), and never above list::

        p = min(list, max(list * (1 - street - war_step * rivals),
                          cost / (1 - margin_floor), resale_floor))

    So a cut in the reseller's discount (a higher ``cost``) is absorbed by its margin until
    the floor binds, and passed on to the customer beyond that.
    """
    market = list_price * (1.0 - street_discount - war_step * rivals)
    floor = cost / (1.0 - margin_floor)
    return np.minimum(list_price, np.maximum(np.maximum(market, floor), resale_floor))


def is_dumping(price: np.ndarray, list_price: np.ndarray, recommended_min) -> np.ndarray:
    """True where a quote is below the recommended minimum ``recommended_min * list``."""
    return price < recommended_min * list_price - 1e-9
