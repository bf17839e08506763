"""Building the market at week 0: regions, products, customers and the channel network.

Everything here draws from the ``setup`` stream only (and agents a strategy adds, from the
``additions`` stream), so a baseline and its strategies start from the same world.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from sim.agents.channel import ChannelAgents
from sim.agents.customers import Customers
from sim.scenario import Scenario
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
    """Customers by region (in proportion to region weights) with a segment drawn each."""
    counts = _allocate(sc.market.customers, region_weights(sc))
    region = np.repeat(np.arange(len(counts)), counts)
    shares = np.array([sc.market.segment_shares[s] for s in SEGMENTS])
    segment = rng.choice(len(SEGMENTS), size=len(region), p=shares / shares.sum())
    return Customers(sc, region, segment, demand_rng)


def build_channels(sc: Scenario, rng: np.random.Generator,
                   additions_rng: np.random.Generator | None = None) -> ChannelAgents:
    """The contracted network: distributors, partners by kind, direct reps, marketplace.

    Agents that the strategy's rollout adds (``network_changes`` with ``action: add``) get
    rows after everyone else's, drawn from ``additions_rng``, and wait "not contracted"
    until their region switches; the rest of the network is as in the baseline.
    """
    net = sc.network
    weights = region_weights(sc)
    by_weight = np.argsort(-weights, kind="stable")
    role, kind, region, names = [], [], [], []

    def add(r: int, k: int, home: int, name: str) -> None:
        role.append(r)
        kind.append(k)
        region.append(home)
        names.append(name)

    for i in range(net.distributors):
        add(Role.DISTRIBUTOR, -1, int(by_weight[i % len(by_weight)]), f"D{i + 1:02d}")
    for k, kname in enumerate(KINDS):
        homes = rng.choice(len(weights), size=net.partners.get(kname, 0), p=weights)
        for i, home in enumerate(homes):
            add(Role.PARTNER, k, int(home), f"P-{kname[:4]}-{i + 1:02d}")
    for i in range(net.direct_reps):
        add(Role.DIRECT, -1, int(by_weight[i % len(by_weight)]), f"R{i + 1:02d}")
    if net.marketplace:
        add(Role.MARKETPLACE, -1, 0, "MKT")

    role_a = np.array(role, dtype=np.int64)
    n = len(role_a)
    resellers = (role_a == Role.DISTRIBUTOR) | (role_a == Role.PARTNER)
    sigma = net.size_sigma
    size = np.where(resellers, rng.lognormal(-0.5 * sigma**2, sigma, size=n), 1.0)
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
            add(r, k, home, f"NEW-{ROLES[r][:4]}-{i + 1:02d}")
        role_a = np.array(role, dtype=np.int64)
        size = np.concatenate([size, arng.lognormal(-0.5 * sigma**2, sigma, size=m)])
        commit = np.concatenate([commit, np.full(m, 0.5 * (lo + hi))])
        alt = np.concatenate([alt, sc.behaviour.commitment.alternative_margin
                              * arng.lognormal(0.0, 0.15, size=m)])
        state = np.concatenate([state, np.full(m, State.NOT_CONTRACTED)])
        n = len(role_a)
    book = ChannelAgents(
        role=role_a, kind=np.array(kind, dtype=np.int64), region=np.array(region, dtype=np.int64),
        size=size, alt_margin=alt, commitment=commit, state=state,
        tier=np.zeros(n, dtype=np.int64), supplier=np.full(n, -1, dtype=np.int64), names=names,
    )
    book.assign_suppliers()
    return book


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


def assign_incumbents(sc: Scenario, cust: Customers, book: ChannelAgents, geo: np.ndarray,
                      rng: np.random.Generator) -> None:
    """Who each customer buys from at the start: the competitor, or a brand channel agent.

    A brand customer's incumbent is drawn with weight ``size * reach * geo * commitment``
    among the agents that could serve it; customers no brand agent reaches stay unattached.
    """
    base = np.array([[sc.behaviour.reach.base[ROLES[r]][s] for s in SEGMENTS]
                     for r in book.role]).reshape(book.n, len(SEGMENTS))
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
                 * (book.state != State.NOT_CONTRACTED))
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
