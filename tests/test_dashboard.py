"""The dashboard: its numbers are the runs', its charts speak in words, its server stops.

The model tests step the dashboard's two markets and compare them, number for number, with
``channelsim run`` of the same file and seed. The server tests start ``channelsim
dashboard`` as a user would and check a port in use, Ctrl-C and a killed command.
"""

import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request

import networkx as nx
import pandas as pd
import psutil
import pytest
from conftest import CLI, FIXTURES, ROOT, SCENARIOS, cli

from analysis.dashboard import charts
from analysis.dashboard.model import (
    SCENARIO_ENV,
    DashboardModel,
    file_levers,
    strategy_and_baseline,
)
from sim import load_scenario, run_model
from sim.model import REPORTED


def _open(monkeypatch, path, **levers) -> DashboardModel:
    monkeypatch.setenv(SCENARIO_ENV, str(path))
    return DashboardModel(**levers)


def _same(collected: pd.DataFrame, kpis: pd.DataFrame) -> None:
    """Every charted series equals the run's, exactly, week by week."""
    assert len(collected) == len(kpis)
    for column in REPORTED:
        assert collected[column].tolist() == kpis[column].tolist(), column


def test_strategy_equals_channelsim_run_of_the_file_and_seed(monkeypatch, tmp_path):
    # the small pilot: north switches at week 15, every region at week 30; seed 3
    out = tmp_path / "run"
    done = cli("run", FIXTURES / "small_pilot.yaml", "--seed", 3, "--out", out)
    assert done.returncode == 0, done.stderr
    run = pd.read_parquet(out / "kpis.parquet")
    m = _open(monkeypatch, FIXTURES / "small_pilot.yaml", rng="3")
    m.run_to(52)
    _same(m.series("strategy"), run)
    assert m.strategy.kpis().equals(run)    # every KPI, not only the charted ones
    # the baseline is the file it extends, run on the same seed
    _same(m.series("baseline"), run_model(load_scenario(FIXTURES / "small.yaml"), 3).kpis())


def test_reform_from_week_1_as_run_with_its_baseline_beside_it(monkeypatch):
    # the defect: opened with the reform, week 1 showed 62 active agents against the run's
    # 44, because the levers replaced the rollout from week 1
    m = _open(monkeypatch, SCENARIOS / "case_reform.yaml")
    m.run_to(60)     # past the announcement (22), the pilot (26) and the rollout (52)
    reform = run_model(load_scenario(SCENARIOS / "case_reform.yaml"), 1, 156).kpis().iloc[:60]
    _same(m.series("strategy"), reform)
    base = run_model(load_scenario(SCENARIOS / "case_baseline.yaml"), 1, 156).kpis()
    _same(m.series("baseline"), base.iloc[:60])
    s, b = m.series("strategy"), m.series("baseline")
    # the same market until the announcement, different after the rollout
    assert s.iloc[:21].equals(b.iloc[:21])
    assert not s.iloc[52:].equals(b.iloc[52:])


def test_unchanged_levers_keep_the_loaded_scenario_itself():
    sc = load_scenario(SCENARIOS / "case_reform.yaml")
    strategy, baseline = strategy_and_baseline(sc, file_levers(sc))
    assert strategy is sc
    assert baseline.rollout is None
    assert baseline.policy == sc.policy_before
    assert baseline.market == sc.market and baseline.network == sc.network


def test_a_lever_moves_the_strategy_after_its_rollout_and_keeps_the_tier_steps():
    sc = load_scenario(SCENARIOS / "case_reform.yaml")   # tiers 0.30 / 0.32 / 0.35
    strategy, baseline = strategy_and_baseline(
        sc, {**file_levers(sc), "distributor_discount": 0.25, "territory": "Segment split"})
    assert strategy.policy.discounts.distributor == {"base": 0.25, "silver": 0.27,
                                                     "gold": 0.30}
    assert strategy.policy.territory == ["segment_split"]
    assert strategy.rollout == sc.rollout
    assert strategy.policy_before == sc.policy_before == baseline.policy


def test_a_lever_on_a_file_without_rollout_switches_at_week_1(monkeypatch):
    m = _open(monkeypatch, FIXTURES / "small.yaml", promo=0.1)
    assert m.rollout.full_week == 1 and m.rollout.pilot_regions == []
    assert m.strategy.spec.policy.discounts.promo == 0.1
    assert m.strategy.spec.policy_before == m.baseline.spec.policy
    m.run_to(52)
    _same(m.series("baseline"), run_model(load_scenario(FIXTURES / "small.yaml"), 1).kpis())
    assert m.series("strategy")["turnover"].sum() != m.series("baseline")["turnover"].sum()


def test_slider_float_noise_is_no_change(monkeypatch):
    base = load_scenario(FIXTURES / "small_pilot.yaml").policy.discounts.distributor["base"]
    noisy = base + 1e-12     # how a slider's float comes back (0.30000000000000004)
    assert noisy != base
    m = _open(monkeypatch, FIXTURES / "small_pilot.yaml", distributor_discount=noisy)
    assert m.levers_changed is False


def test_the_page_names_the_levers_moved_away_from_the_file(monkeypatch):
    from analysis.dashboard.app import changes_sentence

    # small_pilot: promo 0, deal registration on, segment split
    m = _open(monkeypatch, FIXTURES / "small_pilot.yaml", promo=0.1, deal_registration=False,
              territory="Segment split")
    assert changes_sentence(m) == ("Levers changed from the file: promo discount 0% → 10%; "
                                   "deal registration on → off.")
    assert changes_sentence(_open(monkeypatch, FIXTURES / "small_pilot.yaml")) == ""


def test_the_page_says_when_and_where_the_strategy_switches(monkeypatch):
    from analysis.dashboard.app import strategy_sentence

    reform = _open(monkeypatch, SCENARIOS / "case_reform.yaml", rng=7)
    assert strategy_sentence(reform) == (
        "Strategy: pilot in Volga, Urals from week 26; everywhere from week 52 (announced 4 "
        "weeks before: the grey dotted line). Seed 7, the same for strategy and baseline.")
    assert strategy_sentence(_open(monkeypatch, FIXTURES / "small.yaml")).startswith(
        "No strategy yet")


def test_jumping_back_rebuilds_the_same_markets(monkeypatch):
    m = _open(monkeypatch, FIXTURES / "small_pilot.yaml", promo=0.05, rng=4)
    m.run_to(30)
    back = m.at_week(12)
    assert back is not m and (back.week, back.seed, back.levers) == (12, 4, m.levers)
    for which in ("strategy", "baseline"):
        assert back.series(which).equals(m.series(which).iloc[:12])
    assert back.at_week(20) is back and back.week == 20


def test_stepping_stops_at_the_last_week(monkeypatch):
    m = _open(monkeypatch, FIXTURES / "small_pilot.yaml")
    m.run_to(80)
    assert (m.week, m.running, len(m.series("strategy"))) == (52, False, 52)
    m.step()
    assert m.week == 52


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))
            if t.get_text()]


@pytest.mark.parametrize("week", [0, 20])
def test_charts_speak_in_words_and_mark_pilot_and_rollout(monkeypatch, week):
    m = _open(monkeypatch, FIXTURES / "small_pilot.yaml")
    m.run_to(week)
    figures = [f(m) for f in (charts.turnover, charts.channels, charts.conflicts,
                              charts.health)]
    figures.append(charts.regions(m, nx.spring_layout(m.strategy.space.G, seed=3)))
    for fig in figures:
        texts = _texts(fig)
        # no raw column names (turnover_direct, agents_active, ...) anywhere
        assert not [t for t in texts if "_" in t], texts
        assert (charts.START_NOTE in texts) == (week == 0 and fig is not figures[-1])
    for fig in figures[:-1]:
        for ax in fig.axes:
            verticals = {line.get_xdata()[0] for line in ax.lines
                         if len(set(line.get_xdata())) == 1}
            assert {15, 30} <= verticals      # the pilot and the rollout
            assert ax.get_xlim() == (0.5, 52.5)   # the whole horizon, from week 0
            if week:
                assert ax.get_ylim()[0] == 0      # counts and money drawn from zero
    (legend,) = figures[0].legends
    assert [t.get_text() for t in legend.get_texts()] == ["Strategy: Small pilot", "Baseline"]
    pilot_ring = figures[-1].axes[0].collections[0].get_linewidths()
    assert sorted(pilot_ring)[-1] == 3.0 and list(pilot_ring).count(3.0) == 1   # north


def test_summary_sentence(monkeypatch):
    m = _open(monkeypatch, FIXTURES / "small_pilot.yaml")
    assert charts.summary(m).startswith("Week 0 of 52. Nothing simulated yet")
    m.run_to(52)
    s, b = m.series("strategy")["turnover"].sum(), m.series("baseline")["turnover"].sum()
    assert f"({(s - b) / b * 100:+.1f}%)" in charts.summary(m)


# --- the server ---------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_port_in_use_is_one_line_and_exit_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = cli("dashboard", FIXTURES / "small.yaml", "--port", port)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"port {port} on 127.0.0.1 is in use: stop what serves it or choose another with "
        "--port"]


def _start(port: int) -> tuple[subprocess.Popen, list[str]]:
    """The command serving the small pilot, once it has said where; its output so far."""
    proc = subprocess.Popen([*CLI, "dashboard", str(FIXTURES / "small_pilot.yaml"), "--port",
                             str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(line.rstrip("\n") for line in proc.stdout),
                     daemon=True).start()
    said = f"dashboard on http://127.0.0.1:{port}/ (Ctrl-C stops it)"
    deadline = time.time() + 120
    while said not in lines:
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail(f"the dashboard did not start: {lines}")
        time.sleep(0.2)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
        assert page.status == 200    # it says where only once it serves
    return proc, lines


def _stop_and_count(proc: subprocess.Popen, sig: int) -> tuple[float, list]:
    """Send ``sig``; seconds until the command and every descendant are gone, survivors."""
    family = [proc.pid, *(c.pid for c in psutil.Process(proc.pid).children(recursive=True))]
    assert len(family) >= 2        # the command and the server it started
    start = time.monotonic()
    os.kill(proc.pid, sig)
    proc.wait(timeout=10)
    _, alive = psutil.wait_procs([psutil.Process(p) for p in family[1:]
                                  if psutil.pid_exists(p)], timeout=5)
    return time.monotonic() - start, alive


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_ctrl_c_stops_the_server_and_its_children_within_2_s():
    port = _free_port()
    proc, lines = _start(port)
    seconds, alive = _stop_and_count(proc, signal.SIGINT)
    assert alive == [] and seconds < 2.0, (seconds, alive)
    assert proc.returncode == 0 and _port_free(port)
    time.sleep(0.2)    # the reader thread takes the last line
    assert lines[-1] == "dashboard stopped"


@pytest.mark.slow
def test_a_killed_command_leaves_no_server_behind():
    port = _free_port()
    proc, _ = _start(port)
    seconds, alive = _stop_and_count(proc, signal.SIGKILL)
    assert alive == [] and seconds < 2.0, (seconds, alive)
    assert _port_free(port)


@pytest.mark.slow
def test_week_52_in_seconds_and_ctrl_c_while_playing_stops_within_2_s():
    from playwright.sync_api import sync_playwright

    port = _free_port()
    proc, _ = _start(port)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu",
                                          "--disable-background-networking"])
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
        page.get_by_role("button", name="Step").wait_for(timeout=120_000)
        start = time.monotonic()
        page.get_by_role("button", name="Run to week 52").click()
        page.get_by_text("Week 52 of 52").wait_for(timeout=60_000)
        jump = time.monotonic() - start    # playing there took about a minute before
        page.get_by_role("button", name="Reset").click()
        page.get_by_text("Week 0 of 52").wait_for(timeout=60_000)
        page.get_by_role("button", name="▶").click()
        page.wait_for_function(   # it is playing: three weeks or more have run
            "() => { const m = document.body.innerText.match(/Week (\\d+) of 52/);"
            " return m && Number(m[1]) >= 3; }", timeout=60_000)
        seconds, alive = _stop_and_count(proc, signal.SIGINT)
        browser.close()
    assert alive == [] and seconds < 2.0, (seconds, alive)
    assert _port_free(port)
    assert jump < 15.0, jump
