#!/bin/sh
# Removes every container the recipe started (named greeter-<stage>-<target>).
set -eu
. "$(dirname "$0")/tool.sh"
"$CONTAINER" ps --all --quiet --filter "name=^$IMAGE-" | xargs -r "$CONTAINER" rm --force
