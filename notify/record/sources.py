"""Read incident records and message files: size-bounded, text-only, with line-aware errors."""

from __future__ import annotations

import functools
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notify.errors import InputError, did_you_mean

if TYPE_CHECKING:
    import yaml

    from notify.record.incident import Incident

MAX_BYTES = 1024 * 1024
RECORD_SUFFIXES = {".yaml", ".yml", ".json"}

Lines = dict[tuple[str | int, ...], int]


def read_text(
    path: str, limit: int = MAX_BYTES, why: str = "an incident record is a few kilobytes: is this the right file?"
) -> str:
    """The file's text (or stdin for '-'), refusing what is empty, binary or over `limit` bytes."""
    name = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            raw = sys.stdin.buffer.read(limit + 1)
        else:
            with open(path, "rb") as handle:
                raw = handle.read(limit + 1)
    except FileNotFoundError:
        raise InputError("no such file", path=name, hint="check the path, or run `notify new -o FILE`") from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", path=name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=name) from None
    if len(raw) > limit:
        size = Path(path).stat().st_size if path != "-" else len(raw)
        raise InputError(f"is {size / 1024 / 1024:.1f} MiB; notify reads at most {limit / 1024 / 1024:g} MiB here",
                         path=name, hint=why)  # fmt: skip
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"is a binary file (NUL byte at offset {nul})",
            path=name,
            hint="pass a YAML or JSON incident record or a .txt/.md message",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            path=name,
            hint="save the file as UTF-8",
        ) from None
    if not text.strip():
        raise InputError("is empty", path=name, hint="start from a template: notify new -o incident.yaml")
    return text


def looks_like_record(path: str, text: str) -> bool:
    """Whether a path names an incident record rather than a plain message."""
    suffix = Path(path).suffix.lower()
    if suffix in RECORD_SUFFIXES:
        return True
    if suffix in {".txt", ".md", ".markdown"}:
        return False
    first = text.lstrip()[:200]
    return first.startswith("{") or first.startswith("id:") or "\ntitle:" in first


@dataclass(frozen=True)
class Record:
    """A validated incident with where it came from, so findings can point at file:line:col."""

    incident: Incident
    name: str
    text: str
    lines: Lines

    def locate(self, field: str, offset: int) -> tuple[int, int]:
        """(line, column), 1-based, of a character offset into a field's value."""
        loc: tuple[str | int, ...] = tuple(int(p) if p.isdigit() else p for p in field.split("."))
        line = _line_for(loc, self.lines) or 1
        value = _field_value(self.incident, loc)
        source = self.text.splitlines()
        if value and 0 < line <= len(source):
            head = value[: max(1, min(len(value), 24))]
            for number in range(line, min(line + 3, len(source)) + 1):
                col = source[number - 1].find(head)
                if col >= 0:
                    return number, col + offset + 1
        return line, 1


def _field_value(incident: Incident, loc: tuple[str | int, ...]) -> str:
    value: Any = incident
    for part in loc:
        try:
            value = value[part] if isinstance(part, int) else getattr(value, part)
        except (AttributeError, IndexError, TypeError):
            return ""
    return value if isinstance(value, str) else ""


def load_incident(path: str) -> Incident:
    """Parse and validate one incident record from a YAML or JSON file, or '-' for stdin."""
    return load_record(path).incident


def load_record(path: str) -> Record:
    text = read_text(path)
    name = "<stdin>" if path == "-" else path
    incident, lines = parse_incident(text, name)
    return Record(incident, name, text, lines)


def parse_incident(text: str, name: str) -> tuple[Incident, Lines]:
    """Validate record text; errors name the file, the field and the line."""
    from pydantic import ValidationError

    from notify.record.incident import Incident

    if name.lower().endswith(".json") or text.lstrip().startswith("{"):
        data, lines = _parse_json(text, name)
    else:
        data, lines = _parse_yaml(text, name)
    if not isinstance(data, dict):
        raise InputError(
            f"an incident record is a mapping of fields, got {type(data).__name__}",
            path=name,
            line=1,
            hint="start from a template: notify new -o incident.yaml",
        )
    try:
        return Incident.model_validate(data), lines
    except ValidationError as exc:
        raise _validation_error(exc, name, lines) from None


def _parse_json(text: str, name: str) -> tuple[Any, Lines]:
    try:
        return json.loads(text, object_pairs_hook=_unique_keys), {}
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg} (column {exc.colno})", path=name, line=exc.lineno) from None
    except RecursionError:
        raise InputError("malformed JSON: nested too deeply for an incident record", path=name) from None
    except ValueError as exc:  # a key given twice, or an integer of thousands of digits
        problem = str(exc) if "given twice" in str(exc) else "a number of more than 4,300 digits"
        raise InputError(f"malformed JSON: {problem}", path=name) from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"{key!r} is given twice; keep one")
        seen[key] = value
    return seen


def read_yaml(text: str, name: str) -> Any:
    """YAML as records are read: strict (no aliases, no duplicate keys), plain scalars kept as text."""
    return _parse_yaml(text, name)[0]


def _parse_yaml(text: str, name: str) -> tuple[Any, Lines]:
    import yaml

    loader = _loader()(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_nodes(node, name)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or "not valid YAML"
        raise InputError(
            f"malformed YAML: {problem}",
            path=name,
            line=line,
            hint="check indentation and quote values that contain ': '",
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", path=name) from None
    finally:
        loader.dispose()
    lines: Lines = {}
    if node is not None:
        _index_lines(node, (), lines)
    return data, lines


@functools.cache
def _loader() -> Any:
    """A loader where a plain scalar stays the text as written ("1:20:30" is an id, not 4830; 0755 is
    not 493; a date is parsed by the record's own fields), except true/false and null. The C parser
    where libyaml is present: ten times faster."""
    import re

    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader: Any = type("RecordLoader", (base,), {"yaml_implicit_resolvers": {}})
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), [*"~nN", ""])
    return loader


def _check_nodes(root: yaml.Node, name: str) -> None:
    """Refuse, before anything is built from them, aliases (a few hundred bytes of them expand to
    gigabytes: "billion laughs") and keys given twice (YAML would keep the last one silently)."""
    import yaml

    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:  # the composer hands an alias back as the node it names
            raise InputError(
                "YAML anchors and aliases (&name, *name) are not allowed in an incident record:"
                " this value is used again",
                path=name,
                line=node.start_mark.line + 1,
                hint="write the value out where it is needed",
            )
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            lines: dict[str, int] = {}
            for key, value in node.value:
                here = key.start_mark.line + 1
                if isinstance(key, yaml.ScalarNode) and key.value in lines:
                    raise InputError(
                        f"{key.value!r} is given twice (lines {lines[key.value]} and {here}); keep one",
                        path=name,
                        line=here,
                    )
                if isinstance(key, yaml.ScalarNode):
                    lines[key.value] = here
                stack += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value


def _index_lines(node: yaml.Node, where: tuple[str | int, ...], lines: Lines) -> None:
    import yaml

    lines[where] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*where, str(key.value))
            lines[child] = key.start_mark.line + 1
            _index_lines(value, child, lines)
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, (*where, index), lines)


def _validation_error(exc: Any, name: str, lines: Lines) -> InputError:
    """One message per bad field: `field: what is wrong`, on the line where it stands."""
    messages = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        field = ".".join(str(part) for part in loc) or "(record)"
        messages.append((_line_for(loc, lines), field, _explain(error)))
    head_line, head_field, head = messages[0]
    rest = "".join(f"\n{name}{f':{line}' if line else ''}: {field}: {text}" for line, field, text in messages[1:])
    return InputError(head + rest, path=name, line=head_line, field=head_field)


def _line_for(loc: tuple[Any, ...], lines: Lines) -> int | None:
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def _explain(error: Any) -> str:
    kind = error["type"]
    loc = error["loc"]
    given = error.get("input")
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        hint = did_you_mean(str(loc[-1]), _known_fields(loc))
        return "is not a field of an incident record" + (f"; {hint}" if hint else "")
    if kind == "enum":
        choices = error.get("ctx", {}).get("expected", "")
        hint = did_you_mean(str(given), _enum_values(loc))
        return f"{given!r} is not one of {choices}" + (f"; {hint}" if hint else "")
    if kind.startswith("datetime") or kind == "timezone_aware":
        if kind == "timezone_aware":
            return f"{given!s} has no time zone; write it like 2026-11-22T09:12:00Z"
        return f"{given!r} is not a date and time; write it like 2026-11-22T09:12:00Z"
    message = str(error["msg"]).removeprefix("Value error, ")
    return message


def _known_fields(loc: tuple[Any, ...]) -> list[str]:
    from notify.record.incident import Contact, Incident, Update

    parent = loc[:-1]
    model: Any = Incident
    if parent and parent[0] == "contact":
        model = Contact
    elif parent and parent[0] == "updates":
        model = Update
    return list(model.model_fields)


def _enum_values(loc: tuple[Any, ...]) -> list[str]:
    from notify.record.incident import Severity, Status

    return [s.value for s in (Severity if loc[-1] == "severity" else Status)]
