"""SPEC §6: a version is written `v12`, `12` or a commit SHA prefix; the typed verbs also
take the number itself. An unknown version is a conflict with the state (exit 3); a
prefix that fits several commits is a usage error (exit 2)."""

from __future__ import annotations

import pytest

from release_captain.errors import CaptainError
from tests.service.conftest import MakeService
from tests.service.kit import Service

STAGES = """
[[stages]]
name = "beta"
targets = ["local"]

[[stages]]
name = "gamma"
promotion = "manual"
targets = ["a"]
"""


@pytest.fixture
def service(make_service: MakeService) -> Service:
    service = make_service(STAGES)
    service.commit("abcd1111")
    service.commit("abcd2222")
    service.commit("fedc3333")
    return service


@pytest.mark.parametrize("text", ["v2", "2", " v2 ", "abcd2", "ABCD2222", "abcd2222"])
def test_every_way_of_writing_a_version_names_it(service: Service, text: str) -> None:
    assert service.captain.resolve_version(text) == 2


@pytest.mark.parametrize("version", ["v2", "2", 2, "abcd22"], ids=["v2", "2", "int", "sha"])
def test_approve_and_reject_take_every_way_of_writing_a_version(
    make_service: MakeService, version: str | int
) -> None:
    service = make_service(STAGES)
    for sha in ("abcd1111", "abcd2222", "fedc3333"):
        service.commit(sha)
    approved = service.captain.approve("gamma", version=version)
    assert (approved.version, approved.message) == (2, "approved v2 to enter gamma")
    rejected = service.captain.reject("gamma", version=version)  # before the engine acts
    assert (rejected.version, rejected.message) == (2, "rejected v2 in gamma")


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("v9", 3, "there is no version v9"),
        ("9", 3, "there is no version v9"),
        ("beef", 3, "there is no version or commit 'beef'"),
        ("abcd", 2, "commit prefix 'abcd' is ambiguous"),
        ("main", 3, "there is no version or commit 'main'"),
    ],
)
def test_a_version_that_names_nothing_or_several_is_refused(
    service: Service, text: str, code: int, words: str
) -> None:
    for act in (
        lambda: service.captain.resolve_version(text),
        lambda: service.captain.approve("gamma", version=text),
        lambda: service.captain.reject("gamma", version=text),
        lambda: service.captain.rollback(["beta/local"], to=text),
    ):
        with pytest.raises(CaptainError, match=words) as caught:
            act()
        assert caught.value.exit_code == code


def test_an_unknown_version_number_is_refused_by_the_engine_too(service: Service) -> None:
    for act in (
        lambda: service.captain.approve("gamma", version=9),
        lambda: service.captain.reject("gamma", version=9),
        lambda: service.captain.rollback(["beta/local"], to=9),
    ):
        with pytest.raises(CaptainError, match="there is no version v9") as caught:
            act()
        assert caught.value.exit_code == 3
