"""In a real browser (Debian's chromium driven by Playwright): the report and the dashboard.

Screenshots land in tests/artifacts/ for a person to look at.
"""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT
from playwright.sync_api import sync_playwright

from analysis.report.html import build_report

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def test_report_renders_with_every_image_loaded(browser, small_comparison):
    html, _ = build_report(small_comparison)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(html.as_uri())
    page.wait_for_load_state("load")
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight])")
    assert len(images) > 20
    assert all(done and w > 200 and h > 200 for done, w, h in images)
    assert page.inner_text("h2") == "The answer"          # the first screen answers (#25)
    assert "Executive summary" in page.inner_text("details h2")
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=False)
    page.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis.cli", "dashboard", str(FIXTURES / "small.yaml"),
         "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the dashboard did not start within 2 minutes")
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    with socket.socket() as s:  # stopping the command stopped the server: the port is free
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_dashboard_binds_to_loopback_runs_steps_and_shows_charts(browser, dashboard):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(dashboard, timeout=120_000)
    step = page.get_by_role("button", name="Step")
    step.wait_for(timeout=120_000)
    for _ in range(3):
        step.click()
        page.wait_for_timeout(700)
    # the summary line names the week: three weeks have run
    page.get_by_text("Week 3 of 52").wait_for(timeout=60_000)
    charts = page.eval_on_selector_all(
        "img", "els => els.filter(e => e.naturalWidth > 200).length")
    assert charts >= 4
    assert "Distributor discount" in page.inner_text("body")
    assert not errors, errors
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"))
    page.close()
    assert dashboard.startswith("http://127.0.0.1:")
