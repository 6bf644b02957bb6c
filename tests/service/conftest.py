"""`make_service`: a `Service` over a fresh folder, closed after the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from release_captain.testing import Call
from tests.service.kit import Service

MakeService = Callable[..., Service]


@pytest.fixture
def make_service(tmp_path: Path) -> Iterator[MakeService]:
    made: list[Service] = []

    def make(stages: str, script: dict[str, int | Callable[[Call], int]] | None = None) -> Service:
        service = Service(tmp_path / f"s{len(made)}", stages, script)
        made.append(service)
        return service

    yield make
    for service in made:
        service.close()
