"""Quote logs made by running the model: what a CRM would have recorded of a simulated market.

The model runs as always; its customers' choice step (``Customers.choose``) is wrapped so
that every offer it weighs, and what the customer then chose, becomes a row of a quotes
file (:mod:`analysis.choicefit.quotes`). The weights behind the choices are the scenario's,
so a fit of the file has a known answer. Quotes come from the model's bidding (prices from
margins and rival bidders, delivery from stock), not from the choice formula.

What a quote log cannot show must be absent from the market for the answer to be exact:
the generating scenario should set ``behaviour.pricing.expertise_commitment_share: 0`` and
leave training and co-selling off (refused otherwise by :func:`check_observable`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model import ChannelModel
from sim.scenario import Scenario
from sim.vocab import SEGMENTS


def check_observable(sc: Scenario) -> None:
    """Refuse a scenario whose customers weigh something a quote log would not record.

    Raises:
        ValueError: naming the setting to change.

    """
    if sc.behaviour.pricing.expertise_commitment_share != 0:
        raise ValueError("behaviour.pricing.expertise_commitment_share must be 0: a quote log "
                         "does not record the sellers' commitment")
    for pol in (sc.policy_before, sc.policy):
        if pol.training.enabled:
            raise ValueError("policy.training.enabled must be false: a quote log does not "
                             "record who was trained")
        if pol.co_selling.enabled:
            raise ValueError("policy.co_selling.enabled must be false: a quote log does not "
                             "record the reps' support")


def _rows(m: ChannelModel, o, deals) -> dict[str, np.ndarray]:
    """The quotes of one choice step as columns (after the customer chose)."""
    rows, d, a = o.rows, o.d, o.a
    cat, names = m.catalogue, np.asarray(m.channel.names)
    prod = deals.product[rows]
    lst = cat.list_price[prod]
    inc = m.customers.incumbent[deals.customer[rows]]
    comp_rel, _, _ = m.competitor.offer(deals.segment[rows], prod)
    seg = np.asarray(SEGMENTS)[deals.segment[rows]]
    return {
        "week": np.full(len(d), m.week), "deal_row": rows[d],
        "customer_id": [f"C{c:05d}" for c in deals.customer[rows][d]],
        "segment": seg[d], "region": np.asarray(m.spec.market.regions)[deals.region[rows]][d],
        "product": np.asarray([p.name for p in m.spec.products])[prod][d],
        "agent_id": names[a], "price": o.price, "list_price": lst[d],
        "delivery_weeks": o.delivery,
        "won": (o.won_bid[d] == np.arange(len(d))).astype(int),
        "incumbent": (inc[d] == a).astype(int), "specified": deals.spec[rows][d].astype(int),
        "competitor_price": (comp_rel * lst)[d],
        "competitor_incumbent": (inc == m.channel.n).astype(int)[d],
    }


def simulate_quotes(sc: Scenario, seed: int, weeks: int) -> pd.DataFrame:
    """Run the model for ``weeks`` after its warm-up and return the quotes it weighed.

    Args:
        sc: the generating scenario (see :func:`check_observable`).
        seed: the replication seed.
        weeks: weeks recorded.

    Returns:
        One row per quote in the columns of a quotes file (dates from 2024-01-01, one week
        per model week), deals in the order decided.

    """
    check_observable(sc)
    m = ChannelModel(sc, rng=seed, weeks=weeks)
    chunks: list[dict] = []
    choose = m.customers.choose

    def recording_choose(o, deals, competitor, catalogue, n_agents):
        out = choose(o, deals, competitor, catalogue, n_agents)
        if len(o.d):
            chunks.append(_rows(m, out, deals))
        return out

    m.customers.choose = recording_choose
    m.run_for(weeks)
    df = pd.concat([pd.DataFrame(c) for c in chunks], ignore_index=True)
    start = pd.Timestamp("2024-01-01")
    df.insert(0, "date", (start + pd.to_timedelta(7 * (df.pop("week") - 1), unit="D"))
              .dt.strftime("%Y-%m-%d"))
    df.insert(0, "deal_id", [f"K{r:06d}" for r in df.pop("deal_row")])
    df.insert(0, "quote_id", [f"Q{i + 1:07d}" for i in range(len(df))])
    df = df[["quote_id", "date", *[c for c in df.columns if c not in ("quote_id", "date")]]]
    return df
