"""Building the market at week 0: regions, customers and the contracted channel network.

Everything here draws from the ``setup`` stream only, so a baseline and its strategies
start from the same world.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from sim.book import (
    DIRECT,
    DIST,
    KIND_NAMES,
    MARKET,
    PART,
    ROLE_NAMES,
    SPECIFIER,
    ChannelBook,
    CustomerBook,
)
from sim.rules.commitment import ACTIVE, INACTIVE, NOT_CONTRACTED
from sim.scenario import Scenario
from sim.scenario.market import SEGMENTS


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


def build_customers(sc: Scenario, rng: np.random.Generator) -> CustomerBook:
    """Customers by region (in proportion to region weights) with a segment drawn each."""
    counts = _allocate(sc.market.customers, region_weights(sc))
    region = np.repeat(np.arange(len(counts)), counts)
    shares = np.array([sc.market.segment_shares[s] for s in SEGMENTS])
    segment = rng.choice(len(SEGMENTS), size=len(region), p=shares / shares.sum())
    return CustomerBook(region=region, segment=segment,
                        incumbent=np.full(len(region), -1, dtype=np.int64))


def build_channels(sc: Scenario, rng: np.random.Generator,
                   additions_rng: np.random.Generator | None = None) -> ChannelBook:
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
        add(DIST, -1, int(by_weight[i % len(by_weight)]), f"D{i + 1:02d}")
    for k, kname in enumerate(KIND_NAMES):
        homes = rng.choice(len(weights), size=net.partners.get(kname, 0), p=weights)
        for i, home in enumerate(homes):
            add(PART, k, int(home), f"P-{kname[:4]}-{i + 1:02d}")
    for i in range(net.direct_reps):
        add(DIRECT, -1, int(by_weight[i % len(by_weight)]), f"R{i + 1:02d}")
    if net.marketplace:
        add(MARKET, -1, 0, "MKT")

    role_a = np.array(role, dtype=np.int64)
    n = len(role_a)
    resellers = (role_a == DIST) | (role_a == PART)
    sigma = net.size_sigma
    size = np.where(resellers, rng.lognormal(-0.5 * sigma**2, sigma, size=n), 1.0)
    lo, hi = net.initial_commitment.low, net.initial_commitment.high
    # Bigger agents start more committed: the brand matters more to them.
    rank = np.argsort(np.argsort(size)) / max(n - 1, 1)
    commit = lo + (hi - lo) * (0.5 * rng.random(n) + 0.5 * rank)
    commit = np.where(resellers, commit, 1.0)
    alt = sc.behaviour.commitment.alternative_margin * rng.lognormal(0.0, 0.15, size=n)
    threshold = sc.behaviour.commitment.active_threshold
    state = np.where(commit >= threshold, ACTIVE, INACTIVE)
    extra = _additions(sc)
    if extra:
        arng = additions_rng if additions_rng is not None else np.random.default_rng(0)
        m = len(extra)
        for i, (r, k, home) in enumerate(extra):
            add(r, k, home, f"NEW-{ROLE_NAMES[r][:4]}-{i + 1:02d}")
        role_a = np.array(role, dtype=np.int64)
        size = np.concatenate([size, arng.lognormal(-0.5 * sigma**2, sigma, size=m)])
        commit = np.concatenate([commit, np.full(m, 0.5 * (lo + hi))])
        alt = np.concatenate([alt, sc.behaviour.commitment.alternative_margin
                              * arng.lognormal(0.0, 0.15, size=m)])
        state = np.concatenate([state, np.full(m, NOT_CONTRACTED)])
        n = len(role_a)
    book = ChannelBook(
        role=role_a, kind=np.array(kind, dtype=np.int64), region=np.array(region, dtype=np.int64),
        size=size, alt_margin=alt, commitment=commit, state=state,
        tier=np.zeros(n, dtype=np.int64), supplier=np.full(n, -1, dtype=np.int64), names=names,
    )
    assign_suppliers(book)
    return book


def _additions(sc: Scenario) -> list[tuple[int, int, int]]:
    """(role, kind, home region) of every agent the rollout may add."""
    if sc.rollout is None:
        return []
    out = []
    for change in sc.rollout.network_changes:
        if change.action != "add":
            continue
        role = ROLE_NAMES.index(change.roles[0])
        kind = KIND_NAMES.index(change.kinds[0]) if role == PART else -1
        for home in range(len(sc.market.regions)):
            out += [(role, kind, home)] * change.count
    return out


def assign_suppliers(book: ChannelBook) -> None:
    """Give each dealer the biggest contracted distributor at home (else the biggest anywhere)."""
    dists = np.flatnonzero((book.role == DIST) & book.contracted())
    for j in np.flatnonzero(book.role == PART):
        if len(dists) == 0:
            book.supplier[j] = -1
            continue
        home = dists[book.region[dists] == book.region[j]]
        pool = home if len(home) else dists
        book.supplier[j] = pool[np.argmax(book.size[pool])]


def assign_incumbents(sc: Scenario, cust: CustomerBook, book: ChannelBook, geo: np.ndarray,
                      rng: np.random.Generator) -> None:
    """Who each customer buys from at the start: the competitor, or a brand channel agent.

    A brand customer's incumbent is drawn with weight ``size * reach * geo * commitment``
    among the agents that could serve it; customers no brand agent reaches stay unattached.
    """
    base = np.array([[sc.behaviour.reach.base[ROLE_NAMES[r]][s] for s in SEGMENTS]
                     for r in book.role]).reshape(book.n, len(SEGMENTS))
    sellers = (book.role != MARKET) & ~((book.role == PART) & (book.kind == SPECIFIER))
    comp = rng.random(cust.n) < sc.market.competitor_incumbent_share
    u = rng.random(cust.n)
    for r in range(geo.shape[0]):
        for s in range(len(SEGMENTS)):
            members = np.flatnonzero((cust.region == r) & (cust.segment == s))
            if len(members) == 0:
                continue
            w = (book.size * base[:, s] * geo[r, book.region] * book.commitment * sellers
                 * (book.state != NOT_CONTRACTED))
            if w.sum() <= 0:
                cust.incumbent[members] = np.where(comp[members], book.competitor, -1)
                continue
            cdf = np.cumsum(w) / w.sum()
            pick = np.minimum(np.searchsorted(cdf, u[members], side="right"), len(w) - 1)
            cust.incumbent[members] = np.where(comp[members], book.competitor, pick)
