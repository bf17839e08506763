"""The model's outputs pinned: fixed-seed hashes of every shipped scenario's four tables.

A failure means the model computes something else than when the hashes were written. If
that is the point of the change, regenerate them with ``tools/pin_outputs.py --issue N``
in a commit whose message names issue N; otherwise it is a regression.
"""

import json
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import pin_outputs  # noqa: E402

PINNED = json.loads(pin_outputs.PINNED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def hashes():
    return pin_outputs.run_hashes()


@pytest.mark.parametrize("name", pin_outputs.SHIPPED)
def test_shipped_scenario_outputs_are_pinned(hashes, name):
    assert hashes[name] == PINNED["runs"][name], (
        f"{name}: outputs changed since issue #{PINNED['issue']} pinned them")


def test_small_comparison_summary_is_pinned(tmp_path):
    assert pin_outputs.comparison_hash(tmp_path / "cmp") == PINNED["comparison"]
