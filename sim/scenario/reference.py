"""The scenario reference and the model's assumptions, written from the schema's metadata.

``python -m sim.scenario.reference`` rewrites ``docs/scenario-reference.md`` and the
assumptions block of ``docs/model.md``; ``tests/test_docs.py`` fails when either is stale.
The report lists the same assumptions (:func:`assumptions`), with the values a comparison
used.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sim.scenario.about import about
from sim.scenario.fields import base_type, literal_values, numeric_bounds, unwrap_optional
from sim.scenario.market import Range
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "scenario-reference.md"
MODEL_DOC = ROOT / "docs" / "model.md"
START, END = "<!-- assumptions:start -->", "<!-- assumptions:end -->"


@dataclass(frozen=True)
class Entry:
    """One setting of the schema, with what the reference says of it."""

    path: str
    kind: str
    default: Any
    bounds: str
    meaning: str
    unit: str
    plausible: list | None
    basis: str
    cite: str


def _kind(ann) -> str:
    base = base_type(unwrap_optional(ann))
    origin = typing.get_origin(base)
    if base is bool:
        return "true/false"
    if base is int:
        return "whole number"
    if base is float:
        return "number"
    if base is str:
        return "text"
    if origin is Literal:
        return "one of " + ", ".join(map(str, typing.get_args(base)))
    if origin is list:
        return "list"
    if origin is dict:
        return "mapping"
    if origin is tuple:
        return "pair"
    if isinstance(base, type) and issubclass(base, BaseModel):
        return "section"
    return "value"


def _bounds(ann) -> str:
    lo, hi = numeric_bounds(ann)
    if lo is None and hi is None:
        return ""
    return f"{'' if lo is None else f'{lo:g}'} .. {'' if hi is None else f'{hi:g}'}"


def _annotation(info) -> Any:
    return (typing.Annotated[(info.annotation, *info.metadata)] if info.metadata
            else info.annotation)


def _value(v):
    if isinstance(v, BaseModel) or v is PydanticUndefined:
        return None
    if isinstance(v, float):
        return f"{v:g}"
    return v


def _walk(ann, path: str, default, meta: dict, out: list[Entry]) -> None:
    """Add the entry at ``path`` and, for sections and fixed-key mappings, those below it."""
    base = base_type(unwrap_optional(ann))
    shown = "required" if default is PydanticUndefined else _value(default)
    out.append(Entry(path, _kind(ann), shown, _bounds(ann), meta["meaning"], meta["unit"],
                     meta["plausible"], meta["basis"], meta["cite"]))
    if isinstance(base, type) and issubclass(base, BaseModel):
        for name, info in base.model_fields.items():
            own = about(info)
            if issubclass(base, Range) or not own["basis"]:
                # the ends of a range (and unannotated parts) say what their parent says
                own = {**meta, "meaning": f"{meta['meaning'].rstrip('.')} ({name})."}
            sub = (getattr(default, name) if isinstance(default, BaseModel)
                   else info.get_default(call_default_factory=True))
            _walk(_annotation(info), f"{path}.{name}" if path else name, sub, own, out)
    elif typing.get_origin(base) is dict:
        key, value = typing.get_args(base)
        for k in literal_values(key) or ():
            sub = default.get(k, PydanticUndefined) if isinstance(default, dict) else None
            _walk(value, f"{path}.{k}", sub, meta, out)


def entries() -> list[Entry]:
    """Every setting of a scenario, in schema order (mappings with fixed keys expanded)."""
    out: list[Entry] = []
    for name, info in Scenario.model_fields.items():
        _walk(_annotation(info), name, info.get_default(call_default_factory=True),
              about(info), out)
    return out


def _cell(v) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, list):
        return ", ".join(map(str, v)) if len(v) <= 6 else f"{len(v)} items"
    if isinstance(v, dict):
        return "" if len(v) > 4 else ", ".join(f"{k}: {_value(x)}" for k, x in v.items())
    return str(v).replace("|", "/")


def reference_markdown() -> str:
    """The scenario reference: every key with its type, default, bounds and meaning."""
    lines = ["# Scenario reference", "",
             "Every key a scenario file may set, generated from the schema "
             "(`python -m sim.scenario.reference`; a test fails when this page is stale). "
             "**Bounds** are what the schema accepts; **plausible** is the range a verdict "
             "should hold across; **basis** says what the value rests on (data: the client's "
             "market; policy: a lever; source: the case's source; literature: published "
             "evidence; assumption: no empirical basis; convention: a modelling choice).", "",
             "| key | type | default | bounds | unit | plausible | basis | meaning |",
             "|---|---|---|---|---|---|---|---|"]
    for e in entries():
        if e.kind == "section":
            continue
        plausible = "" if not e.plausible else f"{e.plausible[0]:g} .. {e.plausible[1]:g}"
        lines.append(f"| `{e.path}` | {e.kind} | {_cell(e.default)} | {e.bounds} | {e.unit} | "
                     f"{plausible} | {e.basis} | {e.meaning} |")
    return "\n".join(lines) + "\n"


def assumptions() -> list[Entry]:
    """The settings with no empirical basis (or set from literature), in schema order."""
    return [e for e in entries() if e.basis in ("assumption", "literature")
            and e.kind != "section"]


def assumptions_markdown() -> str:
    """The assumptions block of ``docs/model.md``."""
    lines = ["| setting | default | plausible | meaning |", "|---|---|---|---|"]
    for e in assumptions():
        plausible = "" if not e.plausible else f"{e.plausible[0]:g} .. {e.plausible[1]:g}"
        cite = f" ({e.cite})" if e.cite else ""
        lines.append(f"| `{e.path}` | {_cell(e.default)} | {plausible} | {e.meaning}{cite} |")
    return "\n".join(lines)


def model_doc(text: str) -> str:
    """``docs/model.md`` with its assumptions block rewritten."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{assumptions_markdown()}\n{END}{tail}"


def main() -> None:
    """Rewrite the generated documentation."""
    REFERENCE.parent.mkdir(exist_ok=True)
    REFERENCE.write_text(reference_markdown(), encoding="utf-8")
    MODEL_DOC.write_text(model_doc(MODEL_DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {REFERENCE.relative_to(ROOT)} and the assumptions of "
          f"{MODEL_DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
