"""Provides `expanded_toml`: the pipeline as the engine sees it, for `validate --expanded`.

The sections are those of `pipeline.toml`, but every stage is finished: waves expanded
into stages `NAME-wave-N` (with `group`, `wave` and `waves` saying where they came
from), `[defaults]` merged in, each target's variables merged with its stage's, every
default value written out, durations in seconds and paths absolute. Keys without a
value (a stage without a onebox) are left out, as TOML has no null.
"""

from __future__ import annotations

from typing import Any

import msgspec
import tomli_w

from release_captain.config.model import Pipeline


def _clean(value: Any) -> Any:
    """`value` without None entries, tuples as lists; variables (pairs) become tables."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items() if v is not None}
        if isinstance(cleaned.get("vars"), list):
            cleaned["vars"] = dict(cleaned["vars"])
        return cleaned
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def expanded_document(pipeline: Pipeline) -> dict[str, Any]:
    """The pipeline as plain TOML-ready data, in the sections of `pipeline.toml`."""
    raw = msgspec.to_builtins(pipeline, enc_hook=str)
    return _clean(
        {
            "pipeline": {
                key: raw[key] for key in ("name", "path", "root", "state_dir", "max_parallel")
            },
            "sources": raw["sources"],
            "build": raw["build"],
            "stages": raw["stages"],
            "monitors": {m.pop("name"): m for m in raw["monitors"]},
            "blockers": {b.pop("name"): b for b in raw["blockers"]},
        }
    )


def expanded_toml(pipeline: Pipeline) -> str:
    """`expanded_document` written as TOML with tomli-w."""
    return tomli_w.dumps(expanded_document(pipeline))
