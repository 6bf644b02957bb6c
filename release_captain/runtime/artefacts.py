"""Provides the content-addressed artefact store (rule R2: build once).

A build's files are stored once under `artefacts/<sha256>/<basename>`, read-only, and
their digests recorded; every deployment of the version, rollbacks included, gets a
folder of exactly those bytes. Each file is hashed again before it is handed out, so a
store file that was altered or lost fails the deployment instead of shipping.
"""

from __future__ import annotations

import os
import shutil
import stat
import threading
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from msgspec import Struct

from release_captain.errors import CaptainError
from release_captain.store.database import private_dir

if TYPE_CHECKING:
    import hashlib

_CHUNK = 1024 * 1024
#: Stored bytes are read-only, and their owner's only (SPEC R10).
STORED_MODE = 0o400


class StoredArtefact(Struct, frozen=True, kw_only=True):
    """One file of a version, as recorded."""

    #: Its path relative to `$CAPTAIN_OUT`, posix style (`dist/app.whl`).
    name: str
    sha256: str
    size: int


class ArtefactError(CaptainError):
    """An artefact could not be collected, or its stored bytes are not what was built."""

    exit_code = 1


class ArtefactStore:
    """The `artefacts/` folder of the state directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, artefact: StoredArtefact) -> Path:
        """Where the store keeps an artefact's bytes."""
        return self.root / artefact.sha256 / PurePosixPath(artefact.name).name

    def collect(self, out_dir: Path, globs: Sequence[str]) -> list[StoredArtefact]:
        """Store every file matching `globs` (relative to `out_dir`), in glob order.

        A glob matching no file fails the build: a build that silently shipped nothing
        is worse than one that failed.
        """
        stored: list[StoredArtefact] = []
        seen: set[str] = set()
        for pattern in globs:
            for path in _matches(out_dir, pattern):
                name = path.relative_to(out_dir).as_posix()
                if name not in seen:
                    seen.add(name)
                    stored.append(self._store(path, name))
        return stored

    def materialise(
        self, version: str, artefacts: Sequence[StoredArtefact], *, under: str = "versions"
    ) -> Path:
        """The folder `versions/<version>/` holding exactly the version's artefacts
        (`previews/<name>/` for a preview, kept apart from the mainline's versions).

        Every stored file is hashed again first. Files are linked in one by one with an
        atomic rename, so a deployment of the same version already reading the folder
        never sees a file vanish; anything else found in the folder is removed.
        """
        folder = private_dir(self.root / under / version)
        sources = [(artefact, self._verified(version, artefact)) for artefact in artefacts]
        wanted: set[Path] = set()
        for artefact, stored in sources:
            dest = folder / _safe_name(artefact.name)
            wanted.add(dest)
            private_dir(dest.parent)
            temp = dest.with_name(f".{dest.name}.{os.getpid()}-{threading.get_ident()}.tmp")
            temp.unlink(missing_ok=True)
            try:
                os.link(stored, temp)
            except OSError:  # another file system, or links not allowed: copy instead
                shutil.copyfile(stored, temp)
                os.chmod(temp, STORED_MODE)
            os.replace(temp, dest)
        _remove_others(folder, wanted)
        return folder

    # -- internals ----------------------------------------------------------------

    def _store(self, path: Path, name: str) -> StoredArtefact:
        digest, size = _hash(path)
        folder = self.root / digest
        dest = folder / path.name
        if dest.is_file() and _hash(dest)[0] == digest:
            return StoredArtefact(name=name, sha256=digest, size=size)
        private_dir(folder)
        import tempfile  # here, not at start-up: most engine starts store nothing

        handle, temp_name = tempfile.mkstemp(dir=folder, prefix=".incoming-")
        temp = Path(temp_name)
        try:
            copied = _sha256()
            with open(path, "rb") as source, os.fdopen(handle, "wb") as target:
                while chunk := source.read(_CHUNK):
                    copied.update(chunk)
                    target.write(chunk)
                target.flush()
                os.fsync(target.fileno())
            if copied.hexdigest() != digest:
                raise ArtefactError(
                    f"artefact {name} changed while it was being stored: expected sha256 "
                    f"{_short(digest)}, copied {_short(copied.hexdigest())}"
                )
            os.chmod(temp, STORED_MODE)
            os.replace(temp, dest)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _fsync_folder(folder)
        return StoredArtefact(name=name, sha256=digest, size=size)

    def _verified(self, version: str, artefact: StoredArtefact) -> Path:
        stored = self.path_of(artefact)
        if not stored.is_file():
            raise ArtefactError(
                f"artefact {artefact.name} of {version} is missing from the store ({stored})"
            )
        found, _ = _hash(stored)
        if found != artefact.sha256:
            raise ArtefactError(
                f"artefact {artefact.name} of {version} was altered: expected sha256 "
                f"{_short(artefact.sha256)}, found {_short(found)}; refusing to deploy it"
            )
        return stored


def _matches(out_dir: Path, pattern: str) -> list[Path]:
    if not pattern or PurePosixPath(pattern).is_absolute() or ".." in PurePosixPath(pattern).parts:
        raise ArtefactError(
            f"artefact glob '{pattern}' must be a relative path inside $CAPTAIN_OUT"
        )
    found = sorted(path for path in out_dir.glob(pattern) if _is_artefact(out_dir, path))
    if not found:
        raise ArtefactError(f"build produced no file matching '{pattern}'")
    return found


def _is_artefact(out_dir: Path, path: Path) -> bool:
    """True for a regular file inside `out_dir`, False for a folder (globs match those
    too); anything else — a symlink, a file reached through a symlinked folder, a fifo —
    fails the build, so a link can never pull a file from elsewhere into the store."""
    name = path.relative_to(out_dir).as_posix()
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        problem = "is a symbolic link"
    elif not path.resolve().is_relative_to(out_dir.resolve()):
        problem = "lies behind a symbolic link"
    elif stat.S_ISDIR(mode):
        return False
    elif not stat.S_ISREG(mode):
        problem = "is not a regular file"
    else:
        return True
    raise ArtefactError(
        f"artefact {name} {problem}; artefacts must be regular files inside $CAPTAIN_OUT"
    )


def _hash(path: Path) -> tuple[str, int]:
    digest = _sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts:
        raise ArtefactError(f"artefact name '{name}' is not a relative path")
    return path


def _remove_others(folder: Path, wanted: set[Path]) -> None:
    """Remove what a deploy script may have left in `folder`: anything not `wanted`.

    Walks without following symlinks, so a link left in the folder never leads the
    cleanup outside it.
    """
    keep = {parent for path in wanted for parent in path.parents}
    for top, dirs, files in os.walk(folder, topdown=False, followlinks=False):
        here = Path(top)
        for name in files:
            if here / name not in wanted:
                (here / name).unlink(missing_ok=True)
        for name in dirs:
            path = here / name
            if path.is_symlink():
                path.unlink(missing_ok=True)
            elif path not in keep:
                shutil.rmtree(path, ignore_errors=True)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _short(digest: str) -> str:
    return f"{digest[:12]}…"


def _sha256() -> hashlib._Hash:
    """A new SHA-256; hashlib (and OpenSSL behind it) loads on first use, so an engine
    start that hashes nothing does not pay for it (docs/benchmarks.md)."""
    import hashlib

    return hashlib.sha256()
