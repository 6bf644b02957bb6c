#!/bin/sh
# deploy/health.sh [STAGE TARGET]: is the target healthy? Exit 0 for yes.
#
# An approval in gamma (STAGE and TARGET from $CAPTAIN_STAGE and $CAPTAIN_TARGET) and the
# `health` monitor of the production bakes (given as arguments). Here healthy means: the
# target has a current release (an empty commit's release is an empty folder, and
# healthy). For a real service, ask it:
# `curl --fail --max-time 2 https://$target.example.internal/health`, or read its error
# rate from your metrics.
set -eu

stage="${1:-$CAPTAIN_STAGE}"
name="${2:-$CAPTAIN_TARGET}"
target="$CAPTAIN_STATE_DIR/targets/$stage/$name"

if [ ! -d "$target/current" ]; then
  echo "$stage/$name has no current release"
  exit 1
fi
echo "$stage/$name runs $(cat "$target/version")"
