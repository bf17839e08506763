"""The choice data of a quote log: each quote's and each competitor's utility terms.

The terms are those of ``sim.rules.choice.utility``, derived as the model derives them:

* a quote's price over list and delivery come from the file; its seller's expertise is
  the expertise of its role or partner kind (``behaviour.pricing.expertise``), times the
  product's complexity. The model also scales a reseller's expertise by its commitment
  (``e = base ((1 - s) + s c)``, ``s = behaviour.pricing.expertise_commitment_share``) and
  adds training's boost; neither is in a quote log, so both are left out: the fitted
  weight is the weight of the kind's full expertise, and where ``s > 0`` the model applies
  it to an expertise lowered by commitment (docs/choice-fit.md);
* the competitor's price over list is the file's ``competitor_price`` where given, else the
  model's own (``1 - street discount - aggressiveness x largest extra discount``, a
  constant per segment, absorbed by the segment's brand constant); its delivery (stocked
  or made to order) and expertise are the scenario's.

:func:`identification` says which weights the data can tell: a term whose difference
between the brand's offers and the competitor does not vary once the segments' constants
are taken out has nothing behind it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.choicefit.quotes import Quotes
from sim.scenario import Scenario
from sim.vocab import SEGMENTS

WEIGHTS = ("price", "delivery", "expertise", "relationship", "specification")
CONSTANTS = tuple(f"brand_constant.{s}" for s in SEGMENTS)
PARAMETERS = (*WEIGHTS, *CONSTANTS, "brand_nest")
_NO_VARIATION = 1e-9   # a term's spread (utility units per unit weight) below this: none


@dataclass(frozen=True)
class ChoiceData:
    """Utility terms of every quote (``N``) and every deal's competitor (``D``).

    Attributes:
        deal: deal position of each quote, ascending.
        price, delivery, expertise, incumbent: the quotes' terms (expertise already times
            the product's complexity).
        spec: each deal's specification (+1 brand, -1 competitor, 0 neither).
        segment: each deal's segment index.
        c_price, c_delivery, c_expertise, c_incumbent: the competitor's terms per deal.
        won: per quote, whether it won.
        has_incumbent: the file says who is incumbent (else the relationship is unknown).

    """

    deal: np.ndarray
    price: np.ndarray
    delivery: np.ndarray
    expertise: np.ndarray
    incumbent: np.ndarray
    spec: np.ndarray
    segment: np.ndarray
    c_price: np.ndarray
    c_delivery: np.ndarray
    c_expertise: np.ndarray
    c_incumbent: np.ndarray
    won: np.ndarray
    has_incumbent: bool

    @property
    def n_deals(self) -> int:
        """Number of deals."""
        return len(self.segment)

    @property
    def quotes_per_deal(self) -> np.ndarray:
        """The brand's quotes on each deal."""
        return np.bincount(self.deal, minlength=self.n_deals)

    @property
    def chosen(self) -> np.ndarray:
        """Per deal, the position of the winning quote among all quotes, -1 for the competitor."""
        out = np.full(self.n_deals, -1)
        idx = np.flatnonzero(self.won)
        out[self.deal[idx]] = idx
        return out


def expertise_of(sc: Scenario, kinds: np.ndarray) -> np.ndarray:
    """Seller expertise by role or partner kind (in [0, 1]; commitment left out)."""
    pr = sc.behaviour.pricing
    return np.array([pr.expertise[k] for k in kinds], dtype=float)


def competitor_price(sc: Scenario, segment: np.ndarray) -> np.ndarray:
    """The model's competitor price over list by segment (no response to lost share)."""
    c = sc.competitor
    street = np.array([sc.market.street_discount[s] for s in SEGMENTS])
    return 1.0 - street[segment] - c.aggressiveness * c.max_extra_discount


def choice_data(q: Quotes, sc: Scenario) -> ChoiceData:
    """The utility terms of a quote log under a scenario's products, network and competitor."""
    complexity = np.array([p.complexity for p in sc.products])[q.product]
    stocked = np.array([p.stocked for p in sc.products])[q.product]
    c_price = np.where(np.isnan(q.competitor_rel), competitor_price(sc, q.segment),
                       q.competitor_rel)
    c_delivery = np.where(stocked, sc.competitor.delivery_weeks,
                          sc.behaviour.pricing.made_to_order_weeks)
    has_inc = not np.isnan(q.incumbent).any()
    return ChoiceData(
        deal=q.deal, price=q.price_rel, delivery=q.delivery,
        expertise=complexity[q.deal] * expertise_of(sc, q.seller_kind),
        incumbent=np.nan_to_num(q.incumbent, nan=0.0), spec=q.specified,
        segment=q.segment, c_price=c_price, c_delivery=c_delivery,
        c_expertise=complexity * sc.competitor.expertise,
        c_incumbent=np.nan_to_num(q.competitor_incumbent, nan=0.0), won=q.won,
        has_incumbent=has_inc)


def _differences(x: ChoiceData) -> dict[str, np.ndarray]:
    """Per quote, each weight's term in ``U_quote - U_competitor`` per unit weight."""
    d = x.deal
    return {"price": -(x.price - x.c_price[d]), "delivery": -(x.delivery - x.c_delivery[d]),
            "expertise": x.expertise - x.c_expertise[d],
            "relationship": x.incumbent - x.c_incumbent[d], "specification": 2.0 * x.spec[d]}


def identification(x: ChoiceData) -> dict[str, str]:
    """Why each parameter cannot be told from the data (only those that cannot).

    A weight is not identified when its term, less its mean in each segment (the segment's
    brand constant takes that), is the same on every quote; the relationship also when the
    file does not say who is incumbent; a segment's constant when the file has no deal of
    it; the nest when no deal has two quotes of the brand.
    """
    out: dict[str, str] = {}
    seg = x.segment[x.deal]
    for name, term in _differences(x).items():
        mean = np.bincount(seg, weights=term, minlength=len(SEGMENTS)) / np.maximum(
            np.bincount(seg, minlength=len(SEGMENTS)), 1)
        if np.abs(term - mean[seg]).max(initial=0.0) < _NO_VARIATION:
            out[name] = "no variation in the quotes once each segment's constant is taken out"
    if not x.has_incumbent:
        out["relationship"] = "the file has no incumbent column"
    for s, label in enumerate(SEGMENTS):
        if not (x.segment == s).any():
            out[f"brand_constant.{label}"] = f"no deal of segment {label}"
    if not (x.quotes_per_deal >= 2).any():
        out["brand_nest"] = "no deal has two quotes of the brand"
    return out
