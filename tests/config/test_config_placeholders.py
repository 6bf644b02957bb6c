"""Monitor texts: placeholders validated at load time and replaced at run time."""

from __future__ import annotations

import pytest

from release_captain.config import render_template
from release_captain.config.placeholders import template_problems, template_vars


def _render(text: str, *, onebox: bool = False) -> str:
    return render_template(
        text,
        stage="gamma",
        target="us-east-1",
        version="v12",
        onebox=onebox,
        vars=(("port", "8201"), ("zone", "b")),
    )


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        (
            "https://{target}.{stage}.internal:{vars.port}/health",
            "https://us-east-1.gamma.internal:8201/health",
        ),
        ("check.sh {version} {onebox}", "check.sh v12 0"),
        ("awk '{{print $1}}' {vars.zone}", "awk '{print $1}' b"),
        ("no placeholders", "no placeholders"),
        ("", ""),
        # Unknown placeholders and unbalanced braces stay as written (refused at load time).
        ("{region} {vars.missing}", "{region} {vars.missing}"),
        ("open { brace", "open { brace"),
        ("lone } brace", "lone } brace"),
    ],
)
def test_render(text: str, rendered: str) -> None:
    assert _render(text) == rendered


def test_onebox_renders_as_one() -> None:
    assert _render("{onebox}", onebox=True) == "1"


def test_problems() -> None:
    assert template_problems("{stage}/{target}/{version}/{onebox}/{vars.a_1} {{x}}") == []
    assert template_problems("{region}") == [
        "unknown placeholder {region} (use {stage}, {target}, {version}, {onebox} or "
        "{vars.NAME}; write {{ and }} for braces)"
    ]
    assert template_problems("{vars.}")[0].startswith("unknown placeholder {vars.}")
    assert template_problems("${HOME}")[0].startswith("unknown placeholder {HOME}")
    assert template_problems("a { b")[0].startswith("a '{' at character 3 is never closed")
    assert template_problems("a } b")[0].startswith("a lone '}' at character 3")


def test_vars_used() -> None:
    assert template_vars("{vars.port}:{vars.host}/{vars.port} {{vars.literal}}") == (
        "port",
        "host",
    )
