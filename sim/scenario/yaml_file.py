"""Reading a scenario file's YAML safely: text, size, aliases and keys checked first.

Problems are returned as one line each, so the loader can name the file:

* a missing file, a folder, an empty file, bytes that are not UTF-8 (with the byte and
  its line), a file larger than :data:`MAX_BYTES`;
* YAML that builds Python objects (only the safe tags are known);
* an alias "bomb": anchors referring to anchors, whose expansion would be exponentially
  larger than the document. Aliases are counted on the composed node graph, where a
  shared node is one object, so the check costs one pass over the document's own nodes;
  a document whose expansion exceeds ``min(ALIAS_FACTOR x its own nodes, MAX_EXPANDED)``
  nodes, or which refers to itself, is refused before anything is built from it;
* a key written twice in one mapping (the second would silently replace the first),
  naming the key and both lines. Merge keys (``<<: *defaults``) keep their YAML meaning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 5_000_000
ALIAS_FACTOR = 100
MAX_EXPANDED = 1_000_000


class YamlError(ValueError):
    """A file that cannot be read as a scenario; the message is one line without the file."""


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses a key written twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key; the constructor says so itself
                    continue
                line = key_node.start_mark.line + 1
                if first is not None:
                    raise YamlError(f"key '{key}' is written twice (lines {first} and {line}); "
                                      "keep one")
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _expanded_size(root: yaml.Node) -> tuple[int, int]:
    """(nodes in the document, nodes after expanding every alias); -1 for a cycle."""
    own: set[int] = set()
    size: dict[int, int] = {}
    on_path: set[int] = set()
    # iterative post-order walk (deep documents must not hit the recursion limit)
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            continue
        if key in size:
            continue
        if key in on_path:
            return len(own), -1
        own.add(key)
        on_path.add(key)
        stack.append((node, True))
        for c in children:
            if id(c) in on_path:
                return len(own), -1
            if id(c) not in size:
                stack.append((c, False))
    return len(own), size[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def decode(raw: bytes) -> str:
    """The file's text, or YamlError saying which byte on which line is not UTF-8."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlError("UTF-16 text; save it as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError(f"not UTF-8 text (byte 0x{raw[exc.start]:02X} at line {line}); "
                          "save it as UTF-8") from None


def read_text(path: Path) -> str:
    """A scenario file's text, or YamlError (missing, a folder, too large, not UTF-8)."""
    if path.is_dir():
        raise YamlError("is a folder, not a file")
    if not path.is_file():
        raise YamlError("file not found")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise YamlError(f"{size / 1e6:.0f} MB is too large for a scenario file "
                              f"(limit {MAX_BYTES / 1e6:.0f} MB)")
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlError(f"cannot read file ({exc.strerror or exc.__class__.__name__})") from None
    return decode(raw)


def parse(text: str) -> Any:
    """The YAML document in ``text`` as plain data, after the alias and duplicate-key checks.

    Raises:
        YamlError: the file is empty, is not YAML, refers to itself, expands too much
            through aliases, or writes a key twice.

    """
    if not text.strip() or all(line.lstrip().startswith("#") or not line.strip()
                               for line in text.splitlines()):
        raise YamlError("the file is empty")
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:  # the reader refuses control characters at once
        raise YamlError(f"not a text file ({str(exc).splitlines()[0]})") from None
    try:
        root = loader.get_single_node()
        if root is None:
            raise YamlError("the file is empty")
        own, expanded = _expanded_size(root)
        if expanded < 0:
            raise YamlError("an alias refers to the node that contains it (a recursive "
                              "document); write the values out")
        limit = min(ALIAS_FACTOR * own, MAX_EXPANDED)
        if expanded > limit:
            raise YamlError(f"aliases expand {own:,} nodes into {expanded:,} (limit {limit:,});"
                              " write the repeated values out or use fewer nested anchors")
        return loader.construct_document(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlError(f"invalid YAML{where}: {problem}") from None
    except RecursionError:
        raise YamlError("nested too deeply to be a scenario") from None
    finally:
        loader.dispose()
