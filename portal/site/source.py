"""Reading declaration files: bytes -> text -> YAML -> Python data, as problems not tracebacks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from portal.core.problems import Problem

try:  # libyaml is part of Debian's python3-yaml and of PyYAML's wheels
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - only without libyaml
    _BaseLoader = yaml.SafeLoader


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that remembers keys given twice instead of keeping the last silently.

    Dates stay text (the shape pass parses them), so 2027-02-30 is a located problem, not a
    ValueError from YAML's timestamp constructor.
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        keys = [k.value for k, _ in node.value if type(k) is yaml.ScalarNode]
        if len(set(keys)) != len(keys):
            seen: set = set()
            for key_node, _ in node.value:
                if type(key_node) is yaml.ScalarNode:
                    if key_node.value in seen:
                        self.duplicates.append((key_node.start_mark.line + 1, key_node.value))
                    seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


@dataclass
class Document:
    """One declaration file, parsed."""

    file: str  # path relative to the site folder, with forward slashes
    data: Any
    text: str | None = field(repr=False)  # None after crossing a process: read again if needed
    source: Path | None = field(default=None, repr=False)
    _root: Any = field(default=None, repr=False)

    def detached(self) -> Document:
        """A copy without the text, cheap to send back from a worker process."""
        return Document(self.file, self.data, None, self.source)

    def line_of(self, path: Sequence[str | int], key: bool = False) -> int | None:
        """1-based line of the value at ``path`` (or of its key with ``key=True``).

        Falls back to the nearest existing ancestor, so a missing key points at its parent.
        """
        if self._root is None:
            if self.text is None and self.source is not None:
                self.text = self.source.read_bytes().decode("utf-8-sig", errors="replace")
            try:
                self._root = yaml.compose(self.text or "", Loader=_BaseLoader)
            except yaml.YAMLError:
                return None
        node = self._root
        found = node
        key_node = None
        for part in path:
            key_node = None
            if isinstance(node, yaml.MappingNode):
                nxt = None
                for k, v in node.value:
                    if k.value == str(part):
                        nxt, key_node = v, k
                if nxt is None:
                    break
                node = nxt
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    break
                node = node.value[part]
            else:
                break
            found = node
        else:
            if key and key_node is not None:
                return key_node.start_mark.line + 1
        return found.start_mark.line + 1 if found is not None else None


# The parser notices these faults only where something else follows (the next line, the end of
# the file); the fault is where the construct began: an unclosed quote, bracket or brace.
_OPENED_AT = ("while scanning a quoted scalar", "while parsing a flow sequence",
              "while parsing a flow mapping", "while scanning a block scalar")


def _fault_line(exc: yaml.MarkedYAMLError) -> int | None:
    """1-based line of a YAML fault: where the unclosed construct began, else where the
    parser stopped."""
    opened = exc.context in _OPENED_AT and exc.context_mark is not None
    mark = exc.context_mark if opened else (exc.problem_mark or exc.context_mark)
    return mark.line + 1 if mark is not None else None


def read_document(root: Path, path: Path) -> tuple[Document | None, list[Problem]]:
    """Read one YAML file below ``root``; never raises for bad content."""
    rel = path.relative_to(root).as_posix()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return None, [Problem(rel, None, "", "schema.E001", f"cannot read the file: {reason}",
                              "check that it exists, is a regular file and is readable")]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return None, [Problem(rel, line, "", "schema.E002",
                              f"byte {raw[exc.start]:#04x} at offset {exc.start} is not UTF-8",
                              "save the file as UTF-8; GBK/GB18030 is not accepted")]
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        line = _fault_line(exc)
        what = exc.problem or str(exc)
        if exc.context:
            what = f"{what} ({exc.context})" if exc.problem else exc.context
        return None, [Problem(rel, line, "", "schema.E003", f"malformed YAML: {what}",
                              "check indentation and quoting around this line")]
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        return None, [Problem(rel, None, "", "schema.E003", f"malformed YAML: {exc}",
                              "check the file's syntax")]
    finally:
        loader.dispose()
    problems = [
        Problem(rel, line, str(key), "schema.E005", f"key {key!r} is given twice",
                "keep one; YAML would silently use the last")
        for line, key in loader.duplicates
    ]
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        problems.append(Problem(rel, 1, "", "schema.E004",
                                f"the file must hold a mapping of keys, got {got}",
                                "start with keys such as 'code:' and 'name:'"))
        return None, problems
    return Document(rel, data, text, path), problems
