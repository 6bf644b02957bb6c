#!/bin/sh
# Deploy (and rollback): loads the version's image and (re)starts the target's container
# `greeter-<stage>-<target>`, published on 127.0.0.1:$CAPTAIN_VAR_PORT only, then waits
# until /health answers. A rollback is the same call with an older image.tar.
# For a real host: `docker --host ssh://host ...` or `podman --remote` runs the same commands there.
set -eu
. "$(dirname "$0")/tool.sh"
name="$IMAGE-$CAPTAIN_STAGE-$CAPTAIN_TARGET"

"$CONTAINER" load --input "$CAPTAIN_ARTEFACTS/image.tar"
"$CONTAINER" rm --force "$name" >/dev/null 2>&1 || true
"$CONTAINER" run --detach --name "$name" --restart unless-stopped \
    --publish "127.0.0.1:$CAPTAIN_VAR_PORT:8000" "$IMAGE:$CAPTAIN_VERSION"
exec "$(dirname "$0")/check.sh"
