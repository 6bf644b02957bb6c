"""The content-addressed artefact store (rule R2): the same bytes everywhere, and a
stored file that was altered or lost refuses to deploy."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from release_captain.runtime.artefacts import ArtefactError, ArtefactStore, StoredArtefact


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    (folder / "dist").mkdir(parents=True)
    (folder / "app-1.0.whl").write_bytes(b"wheel bytes")
    (folder / "dist" / "app.tar.gz").write_bytes(b"\x00\x01 tarball")
    (folder / "notes.txt").write_text("not an artefact")
    return folder


def test_collect_stores_each_file_once_read_only(tmp_path: Path, out: Path) -> None:
    store = ArtefactStore(tmp_path / "state" / "artefacts")
    stored = store.collect(out, ["*.whl", "**/*.tar.gz", "app-*.whl"])
    digest = hashlib.sha256(b"wheel bytes").hexdigest()
    assert stored == [
        StoredArtefact(name="app-1.0.whl", sha256=digest, size=11),
        StoredArtefact(
            name="dist/app.tar.gz", sha256=hashlib.sha256(b"\x00\x01 tarball").hexdigest(), size=10
        ),
    ]
    path = store.root / digest / "app-1.0.whl"
    assert path.read_bytes() == b"wheel bytes"
    assert stat.S_IMODE(path.stat().st_mode) == 0o400  # read-only, its owner's only (SPEC R10)
    # Collecting the same bytes again reuses what is stored.
    assert store.collect(out, ["*.whl"]) == stored[:1]
    assert not list(store.root.rglob(".incoming-*"))


def test_materialise_gives_identical_bytes_every_time(tmp_path: Path, out: Path) -> None:
    store = ArtefactStore(tmp_path / "artefacts")
    stored = store.collect(out, ["**/*.whl", "dist/*"])
    first = store.materialise("v3", stored)
    assert first == store.root / "versions" / "v3"
    (first / "left-by-a-deploy.txt").write_text("junk")
    (first / "junk-dir").mkdir()
    second = store.materialise("v3", stored)
    assert second == first
    files = sorted(p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file())
    assert files == ["app-1.0.whl", "dist/app.tar.gz"]
    assert not (second / "junk-dir").exists()
    for artefact in stored:
        data = (second / artefact.name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == artefact.sha256
        assert data == (out / artefact.name).read_bytes()


def test_materialise_with_no_artefacts_is_an_empty_folder(tmp_path: Path) -> None:
    folder = ArtefactStore(tmp_path / "artefacts").materialise("v1", [])
    assert folder.is_dir() and not any(folder.iterdir())


def test_an_altered_store_file_refuses_to_deploy(tmp_path: Path, out: Path) -> None:
    store = ArtefactStore(tmp_path / "artefacts")
    [wheel] = store.collect(out, ["*.whl"])
    path = store.path_of(wheel)
    os.chmod(path, 0o644)
    path.write_bytes(b"tampered")
    with pytest.raises(ArtefactError) as caught:
        store.materialise("v3", [wheel])
    found = hashlib.sha256(b"tampered").hexdigest()
    assert str(caught.value) == (
        f"artefact app-1.0.whl of v3 was altered: expected sha256 {wheel.sha256[:12]}…, "
        f"found {found[:12]}…; refusing to deploy it"
    )
    assert caught.value.exit_code == 1


def test_a_missing_store_file_refuses_to_deploy(tmp_path: Path, out: Path) -> None:
    store = ArtefactStore(tmp_path / "artefacts")
    [wheel] = store.collect(out, ["*.whl"])
    store.path_of(wheel).unlink()
    with pytest.raises(
        ArtefactError, match=r"^artefact app-1.0.whl of v3 is missing from the store"
    ):
        store.materialise("v3", [wheel])


def test_a_glob_matching_nothing_fails(tmp_path: Path, out: Path) -> None:
    store = ArtefactStore(tmp_path / "artefacts")
    with pytest.raises(ArtefactError, match=r"^build produced no file matching '\*\.jar'$"):
        store.collect(out, ["*.whl", "*.jar"])
    # A folder is not a file.
    with pytest.raises(ArtefactError, match="no file matching 'dist'"):
        store.collect(out, ["dist"])


def test_a_glob_leaving_out_is_refused(tmp_path: Path, out: Path) -> None:
    store = ArtefactStore(tmp_path / "artefacts")
    for pattern in ("../*", "/etc/passwd"):
        with pytest.raises(ArtefactError, match="must be a relative path inside"):
            store.collect(out, [pattern])
