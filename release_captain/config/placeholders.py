"""Provides the placeholders of monitor texts: checked at load time, replaced at run time.

A monitor's `http` URL or `run` command may name `{stage}`, `{target}`, `{version}`,
`{onebox}` and `{vars.NAME}` (SPEC §3); `{{` and `}}` are literal braces. The same
scanner serves both sides so that what `captain validate` accepts is exactly what the
runtime replaces: validation finds unknown placeholders and the variables a text needs,
and rendering never raises, because anything wrong was already reported at load time.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

from release_captain.config.model import Vars

#: The placeholders every monitor text may use, besides `{vars.NAME}`.
FIXED = ("stage", "target", "version", "onebox")
#: Variable names: usable as `{vars.NAME}` and as environment variable suffixes.
VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_KNOWN = "use {stage}, {target}, {version}, {onebox} or {vars.NAME}; write {{ and }} for braces"


def _scan(text: str) -> Iterator[tuple[str, str]]:
    """Split `text` into ("text", literal), ("field", name) and ("error", problem) parts.

    An error part also carries the literal it came from, so rendering can keep it.
    """
    i, literal = 0, []
    while i < len(text):
        pair = text[i : i + 2]
        if pair in ("{{", "}}"):
            literal.append(pair[0])
            i += 2
            continue
        char = text[i]
        if char == "{":
            end = text.find("}", i + 1)
            if end < 0:
                yield "text", "".join(literal)
                literal = []
                yield "error", f"a '{{' at character {i + 1} is never closed ({_KNOWN})"
                yield "text", text[i:]
                return
            yield "text", "".join(literal)
            literal = []
            yield "field", text[i + 1 : end]
            i = end + 1
            continue
        if char == "}":
            yield "error", f"a lone '}}' at character {i + 1} ({_KNOWN})"
        literal.append(char)
        i += 1
    yield "text", "".join(literal)


def _is_known(field: str) -> bool:
    if field in FIXED:
        return True
    prefix, _, name = field.partition(".")
    return prefix == "vars" and bool(VAR_NAME.fullmatch(name))


def template_problems(text: str) -> list[str]:
    """Every problem of a monitor text: unknown placeholders and unbalanced braces."""
    problems = []
    for kind, value in _scan(text):
        if kind == "error":
            problems.append(value)
        elif kind == "field" and not _is_known(value):
            problems.append(f"unknown placeholder {{{value}}} ({_KNOWN})")
    return problems


def template_fields(text: str) -> tuple[str, ...]:
    """The known placeholders a text uses (`target`, `vars.port`, …), in order of use."""
    return tuple(dict.fromkeys(v for kind, v in _scan(text) if kind == "field" and _is_known(v)))


def template_vars(text: str) -> tuple[str, ...]:
    """The variable names a text uses as `{vars.NAME}`, in order of first use."""
    names: dict[str, None] = {}
    for kind, value in _scan(text):
        if kind == "field" and _is_known(value) and value.startswith("vars."):
            names[value.removeprefix("vars.")] = None
    return tuple(names)


def render_template(
    text: str,
    *,
    stage: str,
    target: str,
    version: str,
    onebox: bool,
    vars: Vars,
    quote: bool = False,
) -> str:
    """`text` with its placeholders replaced; `{onebox}` becomes `1` or `0`.

    With `quote` (a `run` monitor's command) each value is shell-quoted, so it is one
    shell word holding exactly its text: a `'`, `$(…)` or a space in a variable is
    passed as it is, never run. An `http` URL gets the values unquoted.

    A placeholder without a value is left as written rather than raising: load-time
    validation already refused such texts, so this only happens with hand-built pipelines.
    """
    values = {
        "stage": stage,
        "target": target,
        "version": version,
        "onebox": "1" if onebox else "0",
    }
    values.update((f"vars.{name}", value) for name, value in vars)
    parts = []
    for kind, value in _scan(text):
        if kind == "text":
            parts.append(value)
        elif kind == "field":
            found = values.get(value)
            if found is None:
                parts.append(f"{{{value}}}")
            else:
                parts.append(shlex.quote(found) if quote else found)
    return "".join(parts)
