#!/bin/sh
# deploy/health.sh [STAGE TARGET]: is the target healthy? Exit 0 for yes.
#
# An approval in gamma (STAGE and TARGET from $CAPTAIN_STAGE and $CAPTAIN_TARGET) and the
# `health` monitor of the production bakes (given as arguments). Here healthy means: the
# target's venv imports every module the deployed wheel installs. For a real service,
# ask it: `curl --fail --max-time 2 https://$target.example.internal/health`, or read
# its error rate from your metrics.
set -eu

stage="${1:-$CAPTAIN_STAGE}"
name="${2:-$CAPTAIN_TARGET}"
target="$CAPTAIN_STATE_DIR/targets/$stage/$name"

if [ ! -f "$target/version" ]; then
  echo "nothing is deployed on $stage/$name"
  exit 1
fi
modules=$(cat "$target/modules")
if [ -z "$modules" ]; then
  echo "$stage/$name runs $(cat "$target/version"); its wheel installs no module to import"
  exit 0
fi
# From an empty folder, so only the installed wheel can answer the imports.
cd "$target"
for module in $modules; do
  "$target/venv/bin/python" -I -c "import $module" || {
    echo "$stage/$name: import $module failed"
    exit 1
  }
done
echo "$stage/$name runs $(cat "$target/version"): imports" $modules
