"""The client's own network (#19): roster and accounts, the same companies in every future,
names in the outputs, removals and prunes by what agents sold."""

import itertools
import shutil

import numpy as np
import pytest
from conftest import FIXTURES, SCENARIOS, cli
from scipy.stats import spearmanr

from sim import load_scenario, run_model
from sim.market.rollout import trailing_sales
from sim.model import ChannelModel
from sim.scenario import with_values
from sim.scenario.loader import ScenarioError
from sim.scenario.roster import read_roster
from sim.vocab import Role, Segment, State
from sim.world import initial_flows, roster_sizes

ROSTER = FIXTURES / "client" / "roster.csv"
ACCOUNTS = FIXTURES / "client" / "accounts.csv"
SEEDS = np.random.SeedSequence(11).spawn(3)


@pytest.mark.parametrize("name", ["small.yaml", "small_roster.yaml"])
def test_every_future_has_the_same_companies(name):
    """Ids, homes, kinds, sizes and starting commitment do not depend on the replication."""
    sc = with_values(load_scenario(FIXTURES / name), {"behaviour.warmup_weeks": 0})
    models = [ChannelModel(sc, rng=s, weeks=1) for s in SEEDS]
    first = models[0].channel
    for m in models[1:]:
        ch = m.channel
        assert ch.names == first.names and ch.labels == first.labels
        np.testing.assert_array_equal(ch.region, first.region)
        np.testing.assert_array_equal(ch.kind, first.kind)
        np.testing.assert_array_equal(ch.size, first.size)
        np.testing.assert_array_equal(ch.commitment, first.commitment)
        np.testing.assert_array_equal(ch.alt_margin, first.alt_margin)
        np.testing.assert_array_equal(m.customers.region, models[0].customers.region)
        np.testing.assert_array_equal(m.customers.segment, models[0].customers.segment)
    # ... while the replications' luck differs
    assert models[0].customers.stream != models[1].customers.stream


def test_first_year_sales_rank_alike_across_futures():
    """The shipped case: the same agent's first-year sell-through ranks alike (>= 0.8)."""
    sc = load_scenario(SCENARIOS / "case_baseline.yaml")
    sales = []
    for seed in np.random.SeedSequence(11).spawn(4):
        ch = run_model(sc, seed, weeks=52).channel
        keep = (ch.role == Role.DISTRIBUTOR) | (ch.role == Role.PARTNER)
        sales.append(ch.trailing.sum(axis=0)[keep])
    rho = [spearmanr(a, b).statistic for a, b in itertools.combinations(sales, 2)]
    assert min(rho) >= 0.8, rho


def test_sizes_follow_purchases_within_a_kind_worked_numbers():
    """Distributors 900k, 400k, 0, 250k: mean of the positive 516,667 -> 1.742, 0.774,
    median 0.774 (bought nothing), 0.484; a team of 3 reps at 6 a week against 8 -> 2.25."""
    r = read_roster(str(ROSTER), ["north", "south", "east", "west"])
    size = roster_sizes(r, 8.0)
    np.testing.assert_allclose(size[:4], [900 / 516.6667, 400 / 516.6667, 400 / 516.6667,
                                          250 / 516.6667], rtol=1e-5)
    np.testing.assert_allclose(size[r.ids.index("R-KEY")], 2.25)
    # dealers 40k, 0, 25k: 1.231, median of (1.231, 0.769) = 1.0, 0.769
    dealers = [r.ids.index(i) for i in ("P-03", "P-04", "P-05")]
    np.testing.assert_allclose(size[dealers], [40 / 32.5, 1.0, 25 / 32.5], rtol=1e-6)


def test_what_the_roster_says_reaches_the_model():
    sc = with_values(load_scenario(FIXTURES / "small_roster.yaml"), {"behaviour.warmup_weeks": 0})
    m = ChannelModel(sc, rng=1, weeks=1)
    ch, row = m.channel, m.channel.names.index
    assert ch.labels[row("P-01")] == "Integra Systems"
    assert ch.tier[row("D01")] == 2 and ch.tier[row("P-01")] == 1
    assert ch.supplier[row("P-03")] == row("D03") and ch.supplier[row("P-04")] == row("D04")
    assert ch.state[row("P-07")] == State.REMOVED            # listed, not under contract
    served = ch.base_reach[row("P-03")]
    assert served[Segment.KEY] == 0 and served[Segment.PROJECT] == 0 and served[Segment.SMALL] > 0
    assert m.channel.team.capacity[row("R-KEY")] == 3 * m.spec.network.rep_open_deals
    inc, file = m.customers.incumbent, ACCOUNTS.read_text().splitlines()[1:]
    written = [line.rsplit(",", 1)[1] for line in file]
    expect = [m.channel.competitor if w == "competitor" else -1 if w == "" else row(w)
              for w in written]
    np.testing.assert_array_equal(inc, expect)


def test_a_distributors_starting_stock_follows_its_stock_weeks():
    """D01 starts with 6 weeks of its starting flow; D02 (none given) with the model's own
    level, ``(1 + safety) x flow``."""
    sc = with_values(load_scenario(FIXTURES / "small_roster.yaml"), {"behaviour.warmup_weeks": 0})
    m = ChannelModel(sc, rng=1, weeks=0)
    dists = np.flatnonzero(m.channel.role == Role.DISTRIBUTOR)
    _, units0 = initial_flows(sc, m.customers, m.channel, dists, m.catalogue)
    d, stocked = m.distributors, m.catalogue.stocked
    d1, d2 = (d.row_of[m.channel.names.index(i)] for i in ("D01", "D02"))
    assert units0[d1].sum() > 0 and units0[d2].sum() > 0
    np.testing.assert_allclose(d.on_hand[d1], 6 * units0[d1] * stocked)
    np.testing.assert_allclose(d.on_hand[d2], (1 + d.safety) * units0[d2] * stocked)


def test_accounts_spend_scales_their_deal_rates():
    m = ChannelModel(load_scenario(FIXTURES / "small_roster.yaml"), rng=1, weeks=0)
    c = m.customers
    rate = np.array([m.spec.market.deal_rate[s] for s in ("small", "mid", "key", "project")])
    for s in range(4):
        rows = c.segment == s
        np.testing.assert_allclose(c.rate[rows].mean(), rate[s], rtol=1e-9)


def _step_to(m, week):
    while m.week < week:
        m.step()


def test_prune_by_roster_and_remove_by_name_take_exactly_those_agents():
    """Partners that sold nothing last year per the roster (P-04; P-08 bought nothing and
    gives no sell-through) and the dealer named (P-05) leave at the switch; nobody else."""
    sc = load_scenario(FIXTURES / "small_roster_prune.yaml")
    m = ChannelModel(sc, rng=3, weeks=25)
    _step_to(m, 19)
    before = m.channel.state.copy()
    m.step()
    gone = {m.channel.names[j] for j in np.flatnonzero(m.channel.state != before)
            if m.channel.state[j] == State.REMOVED}
    assert gone == {"P-04", "P-05", "P-08"}


def test_prune_by_simulated_sales_takes_the_agents_at_or_below_the_threshold(tmp_path):
    shutil.copytree(FIXTURES / "client", tmp_path / "client")
    shutil.copy(FIXTURES / "small_roster.yaml", tmp_path)
    shutil.copy(FIXTURES / "small.yaml", tmp_path)
    (tmp_path / "prune.yaml").write_text(
        "extends: small_roster.yaml\nname: prune\nrollout:\n  full_week: 30\n"
        "  network_changes:\n    - {action: prune, roles: [partner, distributor], "
        "sold_at_most: 20000, window_weeks: 26}\n")
    m = ChannelModel(load_scenario(tmp_path / "prune.yaml"), rng=2, weeks=31)
    _step_to(m, 29)
    sold = trailing_sales(m.channel, 26, 30)
    expect = {m.channel.names[j] for j in np.flatnonzero(m.channel.contracted()
                                                          & (sold <= 20000))}
    m.step()
    gone = {m.channel.names[j] for j in np.flatnonzero(m.channel.state == State.REMOVED)}
    assert expect and gone == expect | {"P-07"}


def test_a_roster_comparison_runs_and_reports_with_names(tmp_path):
    out = tmp_path / "cmp"
    done = cli("compare", FIXTURES / "small_roster.yaml", FIXTURES / "small_roster_prune.yaml",
               "--reps", "2", "--weeks", "30", "--out", out)
    assert done.returncode == 0, done.stderr
    import pandas as pd
    agents = pd.read_parquet(next(out.glob("tables/agents/**/*.parquet")))
    assert {"Integra Systems", "Nordhandel"} <= set(agents["name"])
    rep = cli("report", out)
    assert rep.returncode == 0, rep.stderr
    html = (out / "report.html").read_text()
    assert "The biggest distributors and partners" in html and "Projektbau Ost" in html


# -- bad client files: one line naming file, row and column --------------------------------
GOOD = ROSTER.read_text().splitlines()


def _roster_with(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def _swap(row: int, column: str, value: str) -> str:
    header = GOOD[0].split(",")
    lines = list(GOOD)
    cells = lines[row].split(",")
    cells[header.index(column)] = value
    lines[row] = ",".join(cells)
    return _roster_with(lines)


BAD_ROSTERS = {
    "duplicate id": (_swap(2, "id", "D01"), "row 3, column id: duplicate id 'D01'"),
    "unknown role": (_swap(1, "role", "wholesaler"), "row 2, column role"),
    "partner without kind": (_swap(5, "kind", ""), "row 6, column kind"),
    "unknown kind": (_swap(5, "kind", "reseller"), "row 6, column kind"),
    "kind on a distributor": (_swap(1, "kind", "dealer"), "row 2, column kind"),
    "unknown region": (_swap(1, "region", "mars"), "row 2, column region"),
    "unknown tier": (_swap(1, "tier", "platinum"), "row 2, column tier"),
    "negative purchases": (_swap(1, "annual_purchases", "-5"), "row 2, column annual_purchases"),
    "text purchases": (_swap(1, "annual_purchases", "lots"), "row 2, column annual_purchases"),
    "supplier a partner": (_swap(7, "supplier", "P-01"), "row 8, column supplier"),
    "supplier unknown": (_swap(7, "supplier", "D99"), "row 8, column supplier"),
    "supplier on an integrator": (_swap(5, "supplier", "D01"), "row 6, column supplier"),
    "unknown segment": (_swap(7, "segments", "small huge"), "row 8, column segments"),
    "fractional reps": (_swap(13, "reps", "2.5"), "row 14, column reps"),
    "contracted maybe": (_swap(1, "contracted", "maybe"), "row 2, column contracted"),
    "second marketplace": (_roster_with([*GOOD, "MKT2,Shop two,marketplace,,west,0"
                                         + "," * 9]), "row 16, column role"),
    "missing column": (_roster_with([",".join(c for c in line.split(",")[:5])
                                     for line in GOOD]), "annual_purchases"),
}
BAD_ACCOUNTS = {
    "unknown incumbent": ("C001,A,north,small,100,D77", "row 2, column incumbent"),
    "incumbent not under contract": ("C001,A,north,small,100,P-07", "row 2, column incumbent"),
    "incumbent a specifier": ("C001,A,north,small,100,P-08", "row 2, column incumbent"),
    "unknown segment": ("C001,A,north,giant,100,", "row 2, column segment"),
    "negative spend": ("C001,A,north,small,-1,", "row 2, column annual_spend"),
}


def _scenario(tmp_path, roster: str | None = None, accounts: str | None = None) -> object:
    (tmp_path / "roster.csv").write_text(roster or ROSTER.read_text())
    (tmp_path / "accounts.csv").write_text(accounts or ACCOUNTS.read_text())
    shutil.copy(FIXTURES / "small.yaml", tmp_path)
    path = tmp_path / "s.yaml"
    path.write_text("extends: small.yaml\nnetwork: {roster: roster.csv, accounts: accounts.csv}\n")
    return path


def _one_line(path, expect: str) -> str:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    lines = exc.value.lines()
    assert len(lines) == 1 and expect in lines[0], lines
    return lines[0]


@pytest.mark.parametrize("case", sorted(BAD_ROSTERS))
def test_a_bad_roster_is_one_line_naming_file_row_and_column(tmp_path, case):
    text, expect = BAD_ROSTERS[case]
    line = _one_line(_scenario(tmp_path, roster=text), expect)
    assert "roster.csv" in line


@pytest.mark.parametrize("case", sorted(BAD_ACCOUNTS))
def test_a_bad_accounts_file_is_one_line_naming_file_row_and_column(tmp_path, case):
    row, expect = BAD_ACCOUNTS[case]
    line = _one_line(_scenario(tmp_path, accounts="id,name,region,segment,annual_spend,"
                               f"incumbent\n{row}\n"), expect)
    assert "accounts.csv" in line


def test_a_semicolon_roster_with_decimal_commas_reads_the_same(tmp_path):
    text = ROSTER.read_text().replace(",", ";").replace("900000", "900000,0")
    path = tmp_path / "r.csv"
    path.write_text(text)
    regions = ["north", "south", "east", "west"]
    a, b = read_roster(str(path), regions), read_roster(str(ROSTER), regions)
    np.testing.assert_array_equal(a.purchases, b.purchases)
    assert a.ids == b.ids and a.names == b.names


def test_a_workbook_of_several_sheets_needs_one_called_roster(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Partners"
    for line in GOOD:
        book.active.append(line.split(","))
    book.create_sheet("Notes")
    book.save(tmp_path / "roster.xlsx")
    shutil.copy(FIXTURES / "small.yaml", tmp_path)
    (tmp_path / "s.yaml").write_text("extends: small.yaml\nnetwork: {roster: roster.xlsx}\n")
    _one_line(tmp_path / "s.yaml", "none is called 'roster'")
    book["Partners"].title = "roster"
    book.save(tmp_path / "roster.xlsx")
    assert len(load_scenario(tmp_path / "s.yaml").network.roster) > 0


@pytest.mark.parametrize("text, expect", [
    ("network: {accounts: accounts.csv}", "give network.roster too"),
    ("network: {roster: nowhere.csv}", "file not found: nowhere.csv"),
    ("rollout: {full_week: 10, network_changes: [{action: remove, agents: [P-99]}]}",
     "no agent 'P-99'"),
    ("rollout: {full_week: 10, network_changes: [{action: remove, agents: [R01]}]}",
     "only distributors and partners"),
    ("rollout: {full_week: 10, network_changes: [{action: prune, sold_at_most: 0, "
     "basis: roster}]}", "basis roster needs network.roster"),
])
def test_network_settings_that_cannot_hold_are_refused(tmp_path, text, expect):
    shutil.copy(FIXTURES / "small.yaml", tmp_path)
    (tmp_path / "accounts.csv").write_text(ACCOUNTS.read_text())
    (tmp_path / "s.yaml").write_text(f"extends: small.yaml\n{text}\n")
    _one_line(tmp_path / "s.yaml", expect)


def test_the_command_line_refuses_a_bad_roster_and_writes_nothing(tmp_path):
    path = _scenario(tmp_path, roster=BAD_ROSTERS["duplicate id"][0])
    out = tmp_path / "out"
    done = cli("compare", FIXTURES / "small.yaml", path, "--reps", "2", "--out", out)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "row 3, column id" in done.stderr
    assert not out.exists()
