#!/bin/sh
# Build (once per version, at the root of a clean checkout): the image, tagged with the
# version, saved as $CAPTAIN_OUT/image.tar. Every stage loads those exact bytes, so what
# beta tested is what prod runs. With a registry, push instead and keep the digest:
#   $CONTAINER push "$IMAGE:$CAPTAIN_VERSION"  (and write the digest to $CAPTAIN_OUT)
set -eu
. "$(dirname "$0")/tool.sh"
"$CONTAINER" build --build-arg "VERSION=$CAPTAIN_VERSION" --tag "$IMAGE:$CAPTAIN_VERSION" .
"$CONTAINER" save --output "$CAPTAIN_OUT/image.tar" "$IMAGE:$CAPTAIN_VERSION"
