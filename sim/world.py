"""Building the market at week 0: regions, products, customers and the channel network.

The network is the client's (``network.roster`` and ``network.accounts``, read by
:mod:`sim.scenario.roster`) or drawn from counts with the network's own generators
(:func:`network_streams`, from ``network.seed``): the same companies in every future and in
every arm of a comparison. Agents a strategy adds draw from a stream of their own, so a
baseline and its strategies start from the same world.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from sim.agents.channel import ChannelAgents
from sim.agents.customers import Customers
from sim.scenario import Scenario
from sim.scenario.roster import (
    INCUMBENT_COMPETITOR,
    MARKETPLACE_ID,
    Accounts,
    Roster,
    client_network,
    read_solved,
    synthetic_ids,
)
from sim.vocab import KINDS, ROLES, SEGMENTS, Kind, Role, State


@dataclass(frozen=True)
class Catalogue:
    """The product lines: list price and unit cost (money), complexity, stocked or made to order."""

    list_price: np.ndarray
    unit_cost: np.ndarray
    complexity: np.ndarray
    stocked: np.ndarray

    @classmethod
    def of(cls, sc: Scenario) -> Catalogue:
        """The scenario's product lines as arrays."""
        return cls(np.array([p.list_price for p in sc.products]),
                   np.array([p.unit_cost for p in sc.products]),
                   np.array([p.complexity for p in sc.products]),
                   np.array([p.stocked for p in sc.products]))


def region_graph(sc: Scenario) -> nx.Graph:
    """The regions as a graph: the scenario's links, or a ring in the order listed."""
    g = nx.Graph()
    regions = sc.market.regions
    g.add_nodes_from(range(len(regions)))
    if sc.market.region_links is not None:
        index = {r: i for i, r in enumerate(regions)}
        g.add_edges_from((index[a], index[b]) for a, b in sc.market.region_links if a != b)
    elif len(regions) > 1:
        g.add_edges_from((i, (i + 1) % len(regions)) for i in range(len(regions)))
    return g


def geography(sc: Scenario, g: nx.Graph) -> np.ndarray:
    """``geo[r_customer, r_agent]``: 1 at home, ``neighbour`` next door, ``remote`` elsewhere."""
    n = g.number_of_nodes()
    geo = np.full((n, n), sc.behaviour.reach.remote)
    for a, b in g.edges:
        geo[a, b] = geo[b, a] = sc.behaviour.reach.neighbour
    np.fill_diagonal(geo, 1.0)
    return geo


def region_weights(sc: Scenario) -> np.ndarray:
    """Relative size of each region (normalised to sum 1)."""
    w = np.array([(sc.market.region_weights or {}).get(r, 1.0) for r in sc.market.regions])
    return w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integer counts proportional to ``weights`` (largest remainder)."""
    raw = total * weights
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def build_customers(sc: Scenario, rng: np.random.Generator, demand_rng) -> Customers:
    """Customers by region (in proportion to region weights) with a segment drawn each.

    With the client's accounts (``network.accounts``) the customers are its accounts: their
    regions and segments, and deal rates scaled by annual spend (an account spending twice
    its segment's mean raises deals twice as often; the segment's mean rate is
    ``market.deal_rate``).
    """
    _, accounts = client_network(sc)
    if accounts is not None:
        cust = Customers(sc, accounts.region.copy(), accounts.segment.copy(), demand_rng)
        cust.rate = cust.rate * spend_factors(accounts)
        return cust
    counts = _allocate(sc.market.customers, region_weights(sc))
    region = np.repeat(np.arange(len(counts)), counts)
    shares = np.array([sc.market.segment_shares[s] for s in SEGMENTS])
    segment = rng.choice(len(SEGMENTS), size=len(region), p=shares / shares.sum())
    return Customers(sc, region, segment, demand_rng)


def network_streams(sc: Scenario) -> tuple[np.random.Generator, np.random.Generator]:
    """The network's own draws, ``(setup, additions)``, from ``network.seed``.

    Not from the replication's seed: every future of a comparison has the same companies,
    homes, sizes and starting commitment (a replication's luck is demand, choice and
    behaviour only), and so has every arm.
    """
    setup, additions = np.random.SeedSequence(sc.network.seed).spawn(2)
    return np.random.default_rng(setup), np.random.default_rng(additions)


def _drawn_network(sc: Scenario, rng: np.random.Generator) -> dict[str, list]:
    """Roles, kinds, homes and ids of a network drawn from counts (``network.*``)."""
    weights = region_weights(sc)
    by_weight = np.argsort(-weights, kind="stable")
    ids, roles, kinds = synthetic_ids(sc.network)
    roles_a = np.array(roles)
    homes = np.zeros(len(ids), dtype=np.int64)
    for r in (Role.DISTRIBUTOR, Role.DIRECT):     # spread over regions, biggest first
        rows = np.flatnonzero(roles_a == r)
        homes[rows] = by_weight[np.arange(len(rows)) % len(by_weight)]
    kinds_a = np.array(kinds)
    for k in range(len(KINDS)):
        rows = np.flatnonzero((roles_a == Role.PARTNER) & (kinds_a == k))
        homes[rows] = rng.choice(len(weights), size=len(rows), p=weights)
    return {"role": roles, "kind": kinds, "region": list(homes), "names": ids}


def roster_sizes(roster: Roster, rep_deals: float) -> np.ndarray:
    """Each roster agent's size (a reseller of average size is 1).

    A reseller's size is its ``capacity`` over the mean capacity of the peers of its role
    and kind that give one; without a capacity, its annual purchases over the mean of its
    peers' positive purchases. Agents with neither (nothing bought) get the median size of
    their peers: they start on paper, not dead. A direct team's size is its reps times
    their opportunities a week over ``network.rep_deals_per_week`` (1 for one default rep).
    """
    size = np.ones(roster.n)
    group = roster.role * 10 + roster.kind
    resellers = (roster.role == Role.DISTRIBUTOR) | (roster.role == Role.PARTNER)
    for g in np.unique(group[resellers]):
        rows = np.flatnonzero(group == g)
        cap, buy = roster.capacity[rows], roster.purchases[rows]
        s = np.full(len(rows), np.nan)
        has_cap = np.isfinite(cap) & (cap > 0)
        if has_cap.any():
            s[has_cap] = cap[has_cap] / cap[has_cap].mean()
        by_buy = ~has_cap & (buy > 0)
        if (buy > 0).any():
            s[by_buy] = buy[by_buy] / buy[buy > 0].mean()
        known = np.isfinite(s)
        s[~known] = np.median(s[known]) if known.any() else 1.0
        size[rows] = s
    direct = roster.role == Role.DIRECT
    reps = np.where(np.isfinite(roster.reps), roster.reps, 1.0)
    deals = np.where(np.isfinite(roster.rep_deals), roster.rep_deals, rep_deals)
    size[direct] = (reps * deals / rep_deals if rep_deals > 0 else reps)[direct]
    return size


def _roster_network(sc: Scenario, roster: Roster) -> dict[str, list]:
    """Roles, kinds, homes and ids from the client's roster (plus a listing if none is)."""
    out = {"role": list(roster.role), "kind": list(roster.kind), "region": list(roster.region),
           "names": list(roster.ids)}
    if sc.network.marketplace and not (roster.role == Role.MARKETPLACE).any():
        for key, v in (("role", Role.MARKETPLACE), ("kind", -1), ("region", 0),
                       ("names", MARKETPLACE_ID)):
            out[key].append(v)
    return out


def build_channels(sc: Scenario, rng: np.random.Generator,
                   additions_rng: np.random.Generator | None = None) -> ChannelAgents:
    """The contracted network: distributors, partners by kind, direct reps, marketplace.

    From the client's roster when the scenario names one (``network.roster``), else drawn
    from the counts. Agents that the strategy's rollout adds (``network_changes`` with
    ``action: add``) get rows after everyone else's, drawn from ``additions_rng``, and wait
    "not contracted" until their region switches; the rest of the network is as in the
    baseline.
    """
    net = sc.network
    roster, _ = client_network(sc)
    rows = _drawn_network(sc, rng) if roster is None else _roster_network(sc, roster)
    role_a = np.array(rows["role"], dtype=np.int64)
    n = len(role_a)
    resellers = (role_a == Role.DISTRIBUTOR) | (role_a == Role.PARTNER)
    sigma = net.size_sigma
    if roster is None:
        size = np.where(resellers, rng.lognormal(-0.5 * sigma**2, sigma, size=n), 1.0)
    else:
        size = np.ones(n)
        size[:roster.n] = roster_sizes(roster, net.rep_deals_per_week)
    lo, hi = net.initial_commitment.low, net.initial_commitment.high
    # Bigger agents start more committed: the brand matters more to them.
    rank = np.argsort(np.argsort(size)) / max(n - 1, 1)
    commit = lo + (hi - lo) * (0.5 * rng.random(n) + 0.5 * rank)
    commit = np.where(resellers, commit, 1.0)
    alt = sc.behaviour.commitment.alternative_margin * rng.lognormal(0.0, 0.15, size=n)
    # Everyone under contract starts active; those that then sell nothing for
    # behaviour.activity_weeks are on paper (the warm-up sorts them out).
    state = np.full(n, State.ACTIVE)
    extra = _additions(sc)
    if extra:
        # a model always passes its additions stream; a bare call gets a fixed one
        arng = additions_rng if additions_rng is not None else np.random.default_rng(0)
        m = len(extra)
        for i, (r, k, home) in enumerate(extra):
            for key, v in zip(("role", "kind", "region", "names"),
                              (r, k, home, f"NEW-{ROLES[r][:4]}-{i + 1:02d}"), strict=True):
                rows[key].append(v)
        role_a = np.array(rows["role"], dtype=np.int64)
        size = np.concatenate([size, arng.lognormal(-0.5 * sigma**2, sigma, size=m)])
        commit = np.concatenate([commit, np.full(m, 0.5 * (lo + hi))])
        alt = np.concatenate([alt, sc.behaviour.commitment.alternative_margin
                              * arng.lognormal(0.0, 0.15, size=m)])
        state = np.concatenate([state, np.full(m, State.NOT_CONTRACTED)])
        n = len(role_a)
    book = ChannelAgents(
        role=role_a, kind=np.array(rows["kind"], dtype=np.int64),
        region=np.array(rows["region"], dtype=np.int64), size=size, alt_margin=alt,
        commitment=commit, state=state, tier=np.zeros(n, dtype=np.int64),
        supplier=np.full(n, -1, dtype=np.int64), names=rows["names"],
    )
    if roster is not None:
        _from_roster(book, roster)
        if net.solved is not None:
            _solved(book, read_solved(net.solved, roster.ids))
    book.assign_suppliers()
    return book


def _solved(book: ChannelAgents, solved: dict[str, tuple[float, float, float]]) -> None:
    """Size, starting commitment and outside option solved to reproduce the roster."""
    for j, a in enumerate(book.names):
        if a in solved:
            book.size[j], book.commitment[j], alt = solved[a]
            if np.isfinite(alt):
                book.alt_margin[j] = alt
    book.commitment_ref[:] = book.commitment


def _from_roster(book: ChannelAgents, roster: Roster) -> None:
    """What the roster says beyond role, kind and home: names, tiers, states, suppliers."""
    k = roster.n
    book.labels[:k] = list(roster.names)
    book.tier[:k] = roster.tier
    book.named_supplier[:k] = roster.supplier
    book.serves[:k] = roster.serves
    book.reps[:k] = np.where(np.isfinite(roster.reps), roster.reps, 1.0)
    book.stock_weeks[:k] = roster.stock_weeks
    # a dealer without a named distributor goes to the one that sold most last year
    book.standing = np.concatenate([roster.purchases, book.size[k:]])
    book.roster_sold[:k] = np.where(np.isfinite(roster.sell_through), roster.sell_through,
                                    roster.purchases)
    resellers = (roster.role == Role.DISTRIBUTOR) | (roster.role == Role.PARTNER)
    idle = resellers & (roster.purchases <= 0) & ~(np.nan_to_num(roster.sell_through) > 0)
    state = book.state[:k]
    state[idle] = State.ON_PAPER                  # bought nothing: on paper, can be revived
    state[~roster.contracted] = State.REMOVED     # listed, not under contract: out of market
def _additions(sc: Scenario) -> list[tuple[int, int, int]]:
    """(role, kind, home region) of every agent the rollout may add."""
    if sc.rollout is None:
        return []
    out = []
    for change in sc.rollout.network_changes:
        if change.action != "add":
            continue
        role = Role.of(change.roles[0])
        kind = Kind.of(change.kinds[0]) if role == Role.PARTNER else -1
        for home in range(len(sc.market.regions)):
            out += [(role, kind, home)] * change.count
    return out


def spend_factors(accounts: Accounts) -> np.ndarray:
    """Each account's annual spend over its segment's mean (1 where a segment spends 0)."""
    out = np.ones(accounts.n)
    for s in range(len(SEGMENTS)):
        rows = accounts.segment == s
        mean = accounts.spend[rows].mean() if rows.any() else 0.0
        if mean > 0:
            out[rows] = accounts.spend[rows] / mean
    return out


def assign_incumbents(sc: Scenario, cust: Customers, book: ChannelAgents, geo: np.ndarray,
                      rng: np.random.Generator) -> None:
    """Who each customer buys from at the start: the competitor, or a brand channel agent.

    The client's accounts say it where given (an agent of the roster, the competitor, or
    nobody). Otherwise a brand customer's incumbent is drawn with weight
    ``size * reach * geo * commitment`` among the agents that could serve it; customers no
    brand agent reaches stay unattached.
    """
    _, accounts = client_network(sc)
    if accounts is not None:
        inc = accounts.incumbent
        cust.incumbent[:] = np.where(inc == INCUMBENT_COMPETITOR, book.competitor, inc)
        return
    base = np.array([[sc.behaviour.reach.base[ROLES[r]][s] for s in SEGMENTS]
                     for r in book.role]).reshape(book.n, len(SEGMENTS)) * book.serves
    sellers = (book.role != Role.MARKETPLACE) & ~((book.role == Role.PARTNER)
                                                  & (book.kind == Kind.SPECIFIER))
    comp = rng.random(cust.n) < sc.market.competitor_incumbent_share
    u = rng.random(cust.n)
    for r in range(geo.shape[0]):
        for s in range(len(SEGMENTS)):
            members = np.flatnonzero((cust.region == r) & (cust.segment == s))
            if len(members) == 0:
                continue
            w = (book.size * base[:, s] * geo[r, book.region] * book.commitment * sellers
                 * ~np.isin(book.state, (State.NOT_CONTRACTED, State.REMOVED)))
            if w.sum() <= 0:
                cust.incumbent[members] = np.where(comp[members], book.competitor, -1)
                continue
            cdf = np.cumsum(w) / w.sum()
            pick = np.minimum(np.searchsorted(cdf, u[members], side="right"), len(w) - 1)
            cust.incumbent[members] = np.where(comp[members], book.competitor, pick)


def typical_deal_value(sc: Scenario) -> float:
    """The list value of an average deal, weighted by how often each segment buys (money)."""
    m = sc.market
    w = np.array([m.segment_shares[s] * m.deal_rate[s] for s in SEGMENTS])
    list_by_seg = np.array([
        sum(p.mix.get(s, 0) * p.list_price for p in sc.products)
        / max(sum(p.mix.get(s, 0) for p in sc.products), 1e-12) for s in SEGMENTS])
    value = np.array([m.deal_size[s].units_mean for s in SEGMENTS]) * list_by_seg
    return float((w * value).sum() / w.sum()) if w.sum() > 0 else float(value.mean())


# The incumbent wins this share of its customers' deals in the starting flows' estimate.
INCUMBENT_WIN_SHARE = 0.5


def initial_flows(sc: Scenario, customers: Customers, book: ChannelAgents,
                  dists: np.ndarray, catalogue: Catalogue) -> tuple[np.ndarray, np.ndarray]:
    """Rough weekly flows implied by the customers each agent starts with.

    Returns:
        (sell-through per channel agent in money, units per distributor and product line
        drawn from its stock, its own customers' and its dealers'), assuming the incumbent
        wins ``INCUMBENT_WIN_SHARE`` of its customers' deals at the street price.

    """
    cust = customers
    units_out = np.zeros((len(dists), len(sc.products)))
    value_out = np.zeros(book.n)
    if book.n == 0:
        return value_out, units_out
    inc = cust.incumbent
    ok = (inc >= 0) & (inc < book.n)
    seller = np.where(ok, inc, 0)
    units = np.exp(cust.mu + 0.5 * cust.sigma**2)[cust.segment]
    mix = np.diff(np.concatenate([np.zeros((len(SEGMENTS), 1)), cust.mix_cdf], axis=1), axis=1)
    flow = (cust.rate * units)[:, None] * mix[cust.segment] * INCUMBENT_WIN_SHARE
    street = np.array([sc.market.street_discount[s] for s in SEGMENTS])
    value = (flow * catalogue.list_price).sum(axis=1) * (1.0 - street[cust.segment])
    np.add.at(value_out, seller[ok], value[ok])
    via = np.where(ok & (book.role[seller] == Role.PARTNER), book.supplier[seller], seller)
    row = np.full(book.n, -1)
    row[dists] = np.arange(len(dists))
    mine = ok & (via >= 0) & (row[np.maximum(via, 0)] >= 0)
    np.add.at(units_out, row[via[mine]], flow[mine])
    return value_out, units_out
