"""The documentation the schema writes is current, and every setting says what it rests on."""

from sim.scenario import reference
from sim.scenario.about import BASES


def test_the_scenario_reference_is_current():
    written = reference.REFERENCE.read_text(encoding="utf-8")
    assert written == reference.reference_markdown(), (
        "docs/scenario-reference.md is stale: run python -m sim.scenario.reference")


def test_the_model_assumptions_are_current():
    text = reference.MODEL_DOC.read_text(encoding="utf-8")
    assert reference.START in text and reference.END in text
    assert text == reference.model_doc(text), (
        "docs/model.md's assumptions are stale: run python -m sim.scenario.reference")


def test_every_setting_has_a_meaning_and_a_basis():
    entries = reference.entries()
    assert len(entries) > 150
    missing = [e.path for e in entries if not e.meaning or e.basis not in BASES]
    assert not missing, missing


def test_assumptions_carry_a_plausible_range():
    numeric = [e for e in reference.assumptions()
               if e.kind in ("number", "whole number") and not e.path.endswith((".low", ".high"))]
    assert len(numeric) > 30
    bare = [e.path for e in numeric if not e.plausible]
    assert not bare, bare
    for e in numeric:
        lo, hi = e.plausible
        assert lo <= hi, e.path


def test_the_reference_lists_a_known_key_with_its_default_and_bounds():
    line = next(li for li in reference.reference_markdown().splitlines()
                if li.startswith("| `behaviour.commitment.speed` |"))
    assert "| number | 0.08 | 0 .. 1 | per week | 0.03 .. 0.15 | assumption |" in line
