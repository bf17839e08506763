"""What each scenario setting means, and what its value rests on: the one source.

Every field of the schema is declared with :func:`setting`, which records its meaning, its
unit, the range of values that are plausible for a manufacturer's market (not the bounds
the schema enforces, which only keep a run computable), and its **basis**:

* ``data``: a fact about the client's market or network, to be read from its data (or
  fitted by ``channelsim calibrate``);
* ``policy``: a lever the manufacturer sets; a strategy is a change of these;
* ``source``: taken from the source the case reproduces;
* ``literature``: set from published evidence (the reference says which);
* ``assumption``: no empirical basis; a modelling judgement, whose plausible range a
  verdict should be tested across (``uncertainties:`` in a scenario);
* ``convention``: a modelling choice with no effect on a verdict when left at its default.

From this metadata ``sim.scenario.reference`` writes the scenario reference
(``docs/scenario-reference.md``), the assumptions section of ``docs/model.md`` and the
assumptions a report lists; a test fails when the written docs are stale.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic_core import PydanticUndefined

BASES = ("data", "policy", "source", "literature", "assumption", "convention")


def setting(default: Any = PydanticUndefined, meaning: str = "", *, unit: str = "",
            plausible: tuple[float, float] | None = None, basis: str = "assumption",
            cite: str = "", factory=None, **constraints) -> Any:
    """A schema field with its meaning, unit, plausible range and basis.

    Args:
        default: the value when a file does not set it (omit for a required setting).
        meaning: what the setting is, in one sentence.
        unit: its unit (``weeks``, ``money``, ``per week``, ``fraction of list``, ...).
        plausible: the values a verdict should hold across (for assumptions), or that are
            usual for a market (for data).
        basis: one of :data:`BASES`.
        cite: for ``literature`` (or ``source``): where the value comes from.
        factory: a callable making the default (for mutable defaults).
        **constraints: further pydantic constraints (``min_length=1``).

    """
    if basis not in BASES:
        raise ValueError(f"basis {basis!r}: one of {', '.join(BASES)}")
    extra = {"unit": unit, "basis": basis}
    if plausible is not None:
        extra["plausible"] = list(plausible)
    if cite:
        extra["cite"] = cite
    if factory is not None:
        return Field(default_factory=factory, description=meaning, json_schema_extra=extra,
                     **constraints)
    return Field(default, description=meaning, json_schema_extra=extra, **constraints)


def about(field) -> dict[str, Any]:
    """The metadata of a pydantic ``FieldInfo`` declared with :func:`setting`."""
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    return {"meaning": field.description or "", "unit": extra.get("unit", ""),
            "basis": extra.get("basis", ""), "plausible": extra.get("plausible"),
            "cite": extra.get("cite", "")}
