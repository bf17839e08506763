"""The weekly loop's fast paths give what the general forms they stand in for give."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from sim import load_scenario
from sim.agents.direct import DirectTeam
from sim.market.rollout import Schedule
from sim.vocab import Role, Segment


def _holds(team, rows: np.ndarray) -> np.ndarray:
    """``[D, A]`` mask: which rep holds which of the deals in ``rows`` (the array form)."""
    mask = np.zeros((len(rows), len(team.capacity)), dtype=bool)
    if len(team.rows) and len(rows):
        order = np.argsort(rows, kind="stable")
        pos = np.minimum(np.searchsorted(rows[order], team.rows), len(rows) - 1)
        ok = rows[order][pos] == team.rows
        mask[order[pos[ok]], team.agents[ok]] = True
    return mask


def _general_held_bids(team, rows, projects, can, bid):
    """The array form the compiled loop replaces."""
    reps = team.reps
    held = _holds(team, rows[projects])[:, reps]
    bid[np.ix_(projects, reps)] = held & can[projects][:, reps]


def test_held_bids_match_the_array_form_on_random_batches():
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(400):
        n = int(rng.integers(1, 15))
        channel = SimpleNamespace(role=rng.integers(0, 4, n), reps=np.ones(n))
        team = DirectTeam(channel, 3, np.ones(4))
        rows = rng.choice(1000, int(rng.integers(1, 20)), replace=False).astype(np.int64)
        projects = rng.random(len(rows)) < 0.5
        if len(team.reps) == 0 or not projects.any():
            continue
        k = int(rng.integers(0, 10))   # held projects: some of this batch, some later ones
        team.rows = np.concatenate([rng.choice(rows, k), rng.integers(0, 1000, k)])
        team.agents = rng.choice(team.reps, len(team.rows)).astype(np.int64)
        can = rng.random((len(rows), n)) < 0.7
        bid = rng.random((len(rows), n)) < 0.5
        expected = bid.copy()
        _general_held_bids(team, rows, projects, can, expected)
        team.bid_on_held(rows, projects, can, bid)
        np.testing.assert_array_equal(bid, expected)
        checked += 1
    assert checked > 200


def test_a_rep_bids_on_the_project_it_holds_and_no_other():
    # agents: 0 partner, 1 and 2 reps; deal rows 10 (project), 11 (project), 12 (run-rate)
    channel = SimpleNamespace(role=np.array([Role.PARTNER, Role.DIRECT, Role.DIRECT]),
                              reps=np.ones(3))
    team = DirectTeam(channel, 3, np.ones(4))
    team.rows, team.agents = np.array([10, 99]), np.array([1, 2])   # rep 1 holds row 10
    rows = np.array([10, 11, 12])
    projects = np.array([True, True, False])
    can = np.ones((3, 3), dtype=bool)
    bid = np.ones((3, 3), dtype=bool)
    team.bid_on_held(rows, projects, can, bid)
    assert bid.tolist() == [[True, True, False], [True, False, False], [True, True, True]]


def test_deal_versions_are_today_s_everywhere_before_any_switch():
    sc = load_scenario("scenarios/case_reform.yaml")
    schedule = Schedule(sc)
    first = int(schedule.switch.min())
    region = np.arange(len(sc.market.regions)).repeat(3)
    segment = np.tile([Segment.SMALL, Segment.PROJECT, Segment.KEY], len(sc.market.regions))
    ones = np.ones(len(region), dtype=np.int64)
    before = schedule.deal_versions(first - 1, region, segment, ones, ones.astype(bool))
    assert before.dtype == np.int64 and not before.any()
    after = schedule.deal_versions(first, region, segment, ones, np.zeros(len(region), bool))
    assert after[schedule.switch[region] <= first].all()



def test_compiled_outer_and_joined_hashes_match_the_array_form():
    # the plain-numpy SplitMix64 the pinned outputs were first written with (not the
    # model's own helpers, which now call the compiled mix themselves)
    from test_rng_jit import uniform as array_form

    from sim.rng import hash_joined, hash_uniform

    rng = np.random.default_rng(3)
    for _ in range(200):
        keys = rng.integers(0, 2**63, int(rng.integers(0, 40)), dtype=np.uint64) * 2 + 1
        ids = rng.integers(0, 10**6, int(rng.integers(1, 9)))
        salt = int(rng.integers(1, 2**31))
        np.testing.assert_array_equal(hash_uniform(keys, ids, salt),
                                      array_form(keys[:, None], ids[None, :], salt))
        matched = rng.integers(0, 10**6, len(keys))
        parts = ((keys, matched, salt), (keys, 7, salt + 1), (keys[:3], 2**40, 5))
        expected = np.concatenate([np.ravel(array_form(k, i, s)) for k, i, s in parts])
        np.testing.assert_array_equal(hash_joined(*parts), expected)


def test_poaching_count_matches_the_array_form():
    from sim.market.settle import _poaching
    from sim.vocab import State

    def array_form(book, inc, registered, accounts, won, j, seg):
        n_a = book.n
        inc_ok = (inc >= 0) & (inc < n_a)
        inc_c = np.where(inc_ok, inc, 0)
        inc_brand = (inc_ok & (inc != j) & (book.role[inc_c] != Role.MARKETPLACE)
                     & ((book.state[inc_c] == State.ACTIVE)
                        | (book.state[inc_c] == State.ON_PAPER)))
        reg_other = (registered >= 0) & (registered != j)
        direct_won = book.role[j] == Role.DIRECT
        acct = accounts & (((seg == Segment.KEY) & ~direct_won)
                           | ((seg != Segment.KEY) & direct_won))
        return int((won & (inc_brand | reg_other | acct)).sum())

    rng = np.random.default_rng(11)
    for _ in range(300):
        n_a, n = int(rng.integers(1, 12)), int(rng.integers(0, 40))
        book = SimpleNamespace(n=n_a, role=rng.integers(0, 4, n_a), state=rng.integers(0, 5, n_a))
        won = rng.random(n) < 0.6
        j = np.where(won, rng.integers(0, n_a, n), 0)
        inc = rng.integers(-1, n_a + 1, n)          # nobody, an agent or the competitor
        registered = rng.integers(-1, n_a, n)
        seg = rng.integers(0, 4, n)
        for accounts in ("key_accounts", "none"):
            pol = SimpleNamespace(policy=SimpleNamespace(direct=SimpleNamespace(accounts=accounts)))
            assert _poaching(None, book, inc, registered, pol, won, j, seg) == array_form(
                book, inc, registered, accounts == "key_accounts", won, j, seg)


def test_best_bids_match_the_array_form_with_ties_and_any_order():
    from sim.rules.choice import choose_among_bids

    def array_form(deal, z, z_out):
        best_z = np.full(len(z_out), -np.inf)
        np.maximum.at(best_z, deal, z)
        idx = (z == best_z[deal]).nonzero()[0]
        first = np.full(len(z_out), -1)
        uniq, pos = np.unique(deal[idx], return_index=True)
        first[uniq] = idx[pos]
        return first, (first >= 0) & (best_z >= z_out)

    rng = np.random.default_rng(5)
    for _ in range(300):
        n, m = int(rng.integers(1, 30)), int(rng.integers(0, 80))
        deal = rng.integers(0, n, m)
        if rng.random() < 0.5:
            deal = np.sort(deal)
        z = rng.integers(-3, 4, m).astype(float)          # many ties
        z_out = rng.integers(-3, 4, n).astype(float)
        for got, expected in zip(choose_among_bids(deal, z, z_out), array_form(deal, z, z_out),
                                 strict=True):
            np.testing.assert_array_equal(got, expected)
