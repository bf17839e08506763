import functools
from pathlib import Path

import pytest

from sim import load_scenario, run_model

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
STRATEGIES = ["case_reform", "add_marketplace", "cut_distributor_discount",
              "direct_takes_key_accounts", "exclusive_territories"]
SHIPPED = ["case_baseline", *STRATEGIES]


@functools.cache
def scenario(name: str):
    path = SCENARIOS / f"{name}.yaml"
    if not path.exists():
        path = FIXTURES / f"{name}.yaml"
    return load_scenario(path)


@functools.cache
def model(name: str, seed: int, weeks: int | None = None):
    """A finished run, shared between tests (treat as read-only)."""
    return run_model(scenario(name), seed, weeks)


@pytest.fixture
def small():
    return scenario("small")
