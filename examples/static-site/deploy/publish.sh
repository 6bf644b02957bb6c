#!/bin/sh
# Deploy (and rollback): unpacks the version's site.tar.gz into its own release folder,
#   $CAPTAIN_STATE_DIR/sites/<stage>/<target>/releases/<version>/
# then points `current` at it in one atomic rename, so a reader (a web server whose root
# is .../current) sees the old site or the new one, never half of each. A rollback is the
# same call with an older version's tarball. For a real target, rsync the release folder
# to the server and switch its `current` link there the same way.
set -eu

PYTHON=${PYTHON:-python3}
place="$CAPTAIN_STATE_DIR/sites/$CAPTAIN_STAGE/$CAPTAIN_TARGET"
release="$place/releases/$CAPTAIN_VERSION"
mkdir -p "$place/releases"

# Unpack beside the release, then move it in: a crash leaves no half-made release.
rm -rf "$release.tmp"
mkdir "$release.tmp"
tar -xzf "$CAPTAIN_ARTEFACTS/site.tar.gz" -C "$release.tmp"
rm -rf "$release"
mv "$release.tmp" "$release"

# The atomic switch: a new link beside the old one, renamed over it.
ln -sfn "releases/$CAPTAIN_VERSION" "$place/current.new"
"$PYTHON" -c 'import os, sys; os.replace(sys.argv[1], sys.argv[2])' "$place/current.new" "$place/current"

# Keep the five newest releases besides the current one (rollbacks deploy from the
# captain's stored artefacts, so nothing is lost by pruning).
ls -1t "$place/releases" | tail -n +7 | while read -r old; do
    [ "$old" = "$CAPTAIN_VERSION" ] || rm -rf "${place:?}/releases/$old"
done
echo "$CAPTAIN_ACTION: $CAPTAIN_STAGE/$CAPTAIN_TARGET serves $CAPTAIN_VERSION from $release"
