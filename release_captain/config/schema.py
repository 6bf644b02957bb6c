"""Provides `json_schema`: the JSON Schema (draft 2020-12) of pipeline.toml for editors.

Editors that read a `#:schema` line (taplo, Even Better TOML) complete keys, show their
descriptions and flag unknown keys and wrong types while the file is written. The
schema is generated from `config.shape`, the definitions the reader refuses unknown
keys and takes bounds from, so it cannot describe another file than `validate` reads.
It checks the file's shape; what needs the file's context (references between
tables, blocker windows, commands on disk) stays for `captain validate`.
"""

from __future__ import annotations

from typing import Any

from release_captain.config.durations import JSON_PATTERN, MAX_SECONDS
from release_captain.config.placeholders import VAR_NAME
from release_captain.config.shape import (
    FILE,
    NAME_PATTERN,
    AnyOf,
    Choice,
    Duration,
    Flag,
    Integer,
    ListOf,
    Name,
    Named,
    Shape,
    Sub,
    Text,
    Value,
    Variables,
)

DRAFT = "https://json-schema.org/draft/2020-12/schema"
Schema = dict[str, Any]
_DURATION_DOC = 'Seconds, or a text such as "500ms", "30s", "10m", "2h", "1d" or "1h30m".'


def json_schema() -> Schema:
    """The schema of a whole pipeline.toml, its tables under `$defs`."""
    defs: dict[str, Schema] = {}
    top = _table(FILE, defs)
    return {"$schema": DRAFT, "title": "pipeline.toml (release-captain)", **top, "$defs": defs}


def _table(shape: Shape, defs: dict[str, Schema]) -> Schema:
    """A table of `shape`: its declared keys only, each with its description."""
    properties = {
        key.name: {**_value(key.value, defs), "description": key.doc} for key in shape.keys
    }
    schema: Schema = {
        "type": "object",
        "description": shape.doc,
        "properties": properties,
        "additionalProperties": False,
    }
    if required := [key.name for key in shape.keys if key.required]:
        schema["required"] = required
    if shape.variants:
        schema["oneOf"] = [{"required": [variant.key]} for variant in shape.variants]
        # A kind's own keys need the kind; a kind needs the keys it requires.
        depends = {key: [v.key] for v in shape.variants for key in v.keys}
        depends |= {v.key: list(v.required) for v in shape.variants if v.required}
        if depends:
            schema["dependentRequired"] = depends
    if shape.at_least_one:
        schema["anyOf"] = [{"required": [key]} for key in shape.at_least_one]
    return schema


def _ref(shape: Shape, defs: dict[str, Schema]) -> Schema:
    if shape.id not in defs:
        defs[shape.id] = {}  # taken before recursing, in case a shape ever nests itself
        defs[shape.id] = _table(shape, defs)
    return {"$ref": f"#/$defs/{shape.id}"}


def _value(value: Value, defs: dict[str, Schema]) -> Schema:
    """The schema of one declared value (see `config.shape` for what each means)."""
    match value:
        case Text():
            return {"type": "string", "pattern": r"\S"}
        case Name():
            return {"type": "string", "pattern": f"^{NAME_PATTERN.pattern}$"}
        case Integer(minimum=low, maximum=high):
            return {"type": "integer", "minimum": low, "maximum": high}
        case Flag(only=None):
            return {"type": "boolean"}
        case Flag(only=only):
            return {"type": "boolean", "const": only}
        case Duration(positive=positive):
            name = "positive_duration" if positive else "duration"
            defs.setdefault(name, _duration(positive))
            return {"$ref": f"#/$defs/{name}"}
        case Choice(options=options):
            return {"type": "string", "enum": list(options)}
        case Variables():
            return {
                "type": "object",
                "propertyNames": {"pattern": f"^{VAR_NAME.pattern}$"},
                "additionalProperties": {"type": ["string", "number", "boolean"]},
            }
        case Sub(shape=shape, or_false=False):
            return _ref(shape, defs)
        case Sub(shape=shape):
            return {"anyOf": [_ref(shape, defs), {"const": False}]}
        case Named(shape=shape):
            return {
                "type": "object",
                "propertyNames": {"pattern": f"^{NAME_PATTERN.pattern}$"},
                "additionalProperties": _ref(shape, defs),
            }
        case ListOf(item=item, min_items=least):
            schema: Schema = {"type": "array", "items": _value(item, defs)}
            return schema | ({"minItems": least} if least else {})
        case AnyOf(options=options):
            return {"anyOf": [_value(option, defs) for option in options]}
    raise TypeError(f"no schema for {value!r}")


def _duration(positive: bool) -> Schema:
    """A number of seconds or a text such as "90s" or "1h30m", as `parse_duration` reads
    them: a text has a digit, and a positive one a digit other than 0 (a text of zeros
    is no time at all)."""
    number: Schema = {"type": "number", "maximum": int(MAX_SECONDS)}
    number |= {"exclusiveMinimum": 0} if positive else {"minimum": 0}
    digit = "[1-9]" if positive else "[0-9]"
    text = {"type": "string", "allOf": [{"pattern": JSON_PATTERN}, {"pattern": digit}]}
    return {"description": _DURATION_DOC, "anyOf": [number, text]}
