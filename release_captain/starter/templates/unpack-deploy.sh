#!/bin/sh
# deploy/deploy.sh: unpacks this version's archive on one target ($CAPTAIN_STAGE/$CAPTAIN_TARGET).
#
# Here a target is a folder under the state directory: each version is unpacked into
# releases/VERSION and `current` is switched to it in one rename, so whatever reads
# current/ sees the old tree or the new one, never half of each, and a rollback is the
# same switch back. For a real target, replace the body: copy the archive to a host and
# do the same there (ssh, rsync), then restart the service. The captain runs this script
# for a deploy (CAPTAIN_ACTION=deploy) and for a rollback (CAPTAIN_ACTION=rollback, with
# an older version's archive), and again after a crash cut it off: it must be safe to
# repeat.
set -eu

target="$CAPTAIN_STATE_DIR/targets/$CAPTAIN_STAGE/$CAPTAIN_TARGET"
release="$target/releases/$CAPTAIN_VERSION"

set -- "$CAPTAIN_ARTEFACTS"/*
if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then
  echo "expected exactly one archive in $CAPTAIN_ARTEFACTS" >&2
  exit 1
fi
archive="$1"

rm -rf "$release.partial"
mkdir -p "$release.partial"
tar -xzf "$archive" -C "$release.partial"
rm -rf "$release"
mv "$release.partial" "$release"
ln -sfn "releases/$CAPTAIN_VERSION" "$target/current.next"
mv -T "$target/current.next" "$target/current"   # rename(2): atomic
echo "$CAPTAIN_VERSION" > "$target/version"
# Old releases pile up here; a real deploy keeps the last few (rollbacks need them).
echo "$CAPTAIN_ACTION: $(basename "$archive") ($CAPTAIN_VERSION) is current on $CAPTAIN_STAGE/$CAPTAIN_TARGET"
