"""The client's baseline (#20): init from its files, the roster solve, the workbook."""

import shutil

import numpy as np
import openpyxl
import pytest
from conftest import FIXTURES, cli

from analysis.studies.init_client import deal_rates
from analysis.studies.roster_fit import (
    _Problem,
    _problem,
    _step,
    first_year,
    fit_roster,
    solve,
)
from sim import load_scenario
from sim.model import ChannelModel
from sim.scenario import with_values
from sim.scenario.roster import client_network, read_accounts, read_roster
from sim.vocab import Kind

CLIENT = FIXTURES / "client"
ROOT = FIXTURES.parents[1]
REGIONS = ["north", "south", "east", "west"]


def test_deal_rates_from_spend_worked_numbers():
    """Small accounts spend 8,000 a year on average in the fixture; a small deal is 2 units
    (small.yaml's default deal size) of the mix-weighted list (3 x 400 + 1 x 1,500) / 4 =
    675 less the 5% street discount: 8,000 / (52 x 2 x 675 x 0.95) = 0.1199 deals a week."""
    sc = load_scenario(FIXTURES / "small.yaml")
    roster = read_roster(str(CLIENT / "roster.csv"), REGIONS)
    acc = read_accounts(str(CLIENT / "accounts.csv"), REGIONS, roster.ids)
    products = [p.model_dump(mode="json") for p in sc.products]
    rates = deal_rates(acc, products, sc)
    small = acc.spend[acc.segment == 0].mean()
    units = sc.market.deal_size["small"].units_mean
    list_small = (3 * 400 + 1 * 1500 + 0 * 6000) / 4
    expect = small / (52 * units * list_small * (1 - sc.market.street_discount["small"]))
    assert rates["small"] == pytest.approx(expect, abs=1e-5)
    assert list_small == 675.0


def test_the_solve_moves_agents_toward_their_roster_figures():
    """In-sample: after the solve the median error over the fitting futures is smaller."""
    sc = load_scenario(FIXTURES / "small_roster.yaml")
    _, before = solve(sc, fit_seeds=2, iterations=0)
    _, after = solve(sc, fit_seeds=2, iterations=4)
    r = read_roster(str(CLIENT / "roster.csv"), REGIONS)
    target = np.where(np.isfinite(r.sell_through) & (r.role == 1), r.sell_through, r.purchases)
    live = (target > 0) & ((r.role == 0) | (r.role == 1)) & r.contracted

    def err(sim):
        return np.median(np.abs(sim.mean(axis=0)[live] / target[live] - 1))

    assert err(after) < err(before)


def test_one_step_worked_numbers():
    """Agent 0 sold 100 of its 200 (step 2 ** 0.7 = 1.6245 on its size) with a mean commitment
    of 0.5 against its goal of 0.3: its outside option rises by 0.8 x (logit 0.5 - logit 0.3)
    / 8 = 0.8 x 0.8473 / 8 = 0.08473. Agent 1 has a capacity: its size stays, its goal rises
    by 2 ** 0.35 = 1.2746 to 0.3824 and its outside option falls toward it: 0.8 x (logit 0.3 -
    logit 0.3824) / 8 = 0.8 x (-0.8473 + 0.4795) / 8 = -0.03678. Agent 2 bought nothing:
    only its outside option moves, toward its goal of 0.15 (mean 0.15: it stays)."""
    pb = _Problem(target=np.array([200.0, 200.0, 0.0]), by_purchases=np.ones(3, dtype=bool),
                  free=np.array([True, True, False]), idle=np.array([False, False, True]),
                  by_size=np.array([True, False, False]), goal=np.array([0.3, 0.3, 0.15]),
                  margin_weight=8.0)
    x = (np.array([1.0, 1.0, 1.0]), np.array([0.3, 0.3, 0.15]), np.array([0.1, 0.1, 0.1]))
    sim = np.array([[90.0, 90.0, 5.0], [110.0, 110.0, 5.0]])
    commit = np.array([[0.5, 0.3, 0.15], [0.5, 0.3, 0.15]])
    size, goal, alt = _step(pb, x, sim, commit)
    assert size == pytest.approx([2 ** 0.7, 1.0, 1.0])
    assert 2 ** 0.7 == pytest.approx(1.6245, abs=1e-4)
    assert goal == pytest.approx([0.3, 0.3 * 2 ** 0.35, 0.15])
    assert alt[0] == pytest.approx(0.1 + 0.8 * (0.0 - np.log(0.3 / 0.7)) / 8)
    assert alt[0] - 0.1 == pytest.approx(0.08473, abs=1e-5)
    assert alt[1] - 0.1 == pytest.approx(-0.03678, abs=1e-4)
    assert alt[2] == pytest.approx(0.1, abs=1e-12)


def test_the_command_line_solves_with_the_study_defaults():
    from analysis.cli import client
    from analysis.studies import roster_fit

    assert (client.CHECK_REPS, client.STEPS, client.FIT_SEEDS) == (
        roster_fit.CHECK_REPS, roster_fit.STEPS, roster_fit.FIT_SEEDS)


@pytest.mark.slow
def test_the_example_client_is_reproduced_agent_by_agent():
    """#20's acceptance: on 20 futures not used in the fit, the median absolute error of
    the first simulated year per agent is at most 20% and the rank correlation with the
    roster at least 0.9 (the default solve: 30 fitting futures, 24 steps)."""
    sc = load_scenario(ROOT / "scenarios" / "client_baseline.yaml")
    _, fit = fit_roster(sc)
    assert fit.check_reps == 20
    assert fit.median_abs_error <= 0.20
    assert fit.rank_correlation >= 0.9
    assert int(fit.table["bought_nothing"].sum()) == 18
    assert fit.idle_share <= 0.02               # near zero: dormant below activation


def test_better_terms_revive_the_example_clients_dormant_resellers(tmp_path):
    """Agents that bought nothing are dormant, not gone: paid 15 points more (the margin gap's
    weight 8 moves the logit of their commitment target by 1.2, from 0.135 to about 0.34,
    above the activation commitment) at least half of the distributors and partners among
    them sell in every future."""
    sc = load_scenario(ROOT / "scenarios" / "client_baseline.yaml")
    (tmp_path / "better.yaml").write_text(
        f"extends: {ROOT / 'scenarios' / 'client_baseline.yaml'}\nname: better\n"
        "policy: {discounts: {distributor: {base: 0.45, silver: 0.45, gold: 0.45}, "
        "partner: {base: 0.40, silver: 0.40, gold: 0.40}}}\n")
    better = load_scenario(tmp_path / "better.yaml")
    roster, _ = client_network(sc)
    pb = _problem(sc, roster)                    # the solve's own idle agents and measures
    idle = pb.idle & (roster.kind != Kind.SPECIFIER)
    assert pb.idle.sum() == 18 and idle.sum() == 12   # 6 of them specify only: buy nothing
    now = first_year(sc, [11, 12], roster.n, pb.by_purchases)[:, idle]
    paid = first_year(better, [11, 12], roster.n, pb.by_purchases)[:, idle]
    assert now.max() == 0.0
    assert ((paid > 0).mean(axis=0) == 1.0).sum() >= idle.sum() // 2


def test_a_solved_file_sets_size_commitment_and_outside_option(tmp_path):
    shutil.copytree(CLIENT, tmp_path / "client")
    shutil.copy(FIXTURES / "small.yaml", tmp_path)
    (tmp_path / "client" / "solved.csv").write_text(
        "id,size,commitment,alternative_margin\nD01,3.5,0.9,0.07\nP-02,0.25,0.4,\n")
    (tmp_path / "s.yaml").write_text(
        "extends: small.yaml\nnetwork: {roster: client/roster.csv, accounts: "
        "client/accounts.csv, solved: client/solved.csv}\n")
    sc = with_values(load_scenario(tmp_path / "s.yaml"), {"behaviour.warmup_weeks": 0})
    ch = ChannelModel(sc, rng=1, weeks=0).channel
    d, p = ch.names.index("D01"), ch.names.index("P-02")
    assert (ch.size[d], ch.commitment[d], ch.alt_margin[d]) == (3.5, 0.9, 0.07)
    assert (ch.size[p], ch.commitment[p]) == (0.25, 0.4)
    assert ch.alt_margin[p] != 0.07 and np.isfinite(ch.alt_margin[p])   # its own draw


def test_fit_report_separates_agents_that_bought_nothing():
    _, fit = fit_roster(load_scenario(FIXTURES / "small_roster.yaml"), fit_seeds=2,
                        check_reps=2, iterations=2)
    idle = set(fit.table.loc[fit.table["bought_nothing"], "id"])
    assert idle == {"D03", "P-04", "P-08"}     # the roster rows with no purchases or sales
    assert np.isfinite(fit.median_abs_error) and -1 <= fit.rank_correlation <= 1
    assert "P-07" not in set(fit.table["id"])  # not under contract


@pytest.mark.slow
def test_init_validate_compare_report_xlsx_on_the_client_files(tmp_path):
    """The walkthrough end to end (slow suite: five command-line runs)."""
    out = tmp_path / "mine.yaml"
    strategy = tmp_path / "cut.yaml"
    strategy.write_text(f"extends: {FIXTURES / 'small_cut.yaml'}\nname: cut\n")
    done = cli("init", "--roster", CLIENT / "roster.csv", "--accounts", CLIENT / "accounts.csv",
               "--prices", CLIENT / "prices.csv", "--template", FIXTURES / "small.yaml",
               "--out", out, "--also", strategy, "--reps", "2", "--steps", "2",
               "--fit-seeds", "2")
    assert done.returncode == 0, done.stderr
    assert "assumed:" in done.stdout and "median absolute error" in done.stdout
    both = tmp_path / "mine_cut.yaml"
    for f in (out, both, tmp_path / "mine.solved.csv", tmp_path / "mine.roster_check.png"):
        assert f.exists(), f
    assert cli("validate", out, both).returncode == 0
    res = tmp_path / "cmp"
    done = cli("compare", out, both, "--reps", "2", "--weeks", "30", "--out", res)
    assert done.returncode == 0, done.stderr
    done = cli("report", res, "--xlsx")
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(res / "report.xlsx")
    assert book.sheetnames == ["summary", "at risk", "agents"]
    names = {row[2] for row in book["agents"].iter_rows(min_row=2, values_only=True)}
    assert "Integra Systems" in names


def test_init_refuses_a_bad_roster_and_writes_nothing(tmp_path):
    bad = tmp_path / "roster.csv"
    bad.write_text((CLIENT / "roster.csv").read_text().replace("D02,", "D01,", 1))
    out = tmp_path / "mine.yaml"
    done = cli("init", "--roster", bad, "--template", FIXTURES / "small.yaml", "--out", out)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "duplicate id 'D01'" in done.stderr
    assert list(tmp_path.iterdir()) == [bad]
