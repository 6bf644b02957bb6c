#!/bin/sh
# Builds the sample service into one artefact: $CAPTAIN_OUT/sample-service.pyz, a
# zipapp that runs with any Python >= 3.11 and carries app/build_info.json (the version
# and commit it was built from). Run from the root of a checkout of this repository.
set -eu

: "${CAPTAIN_OUT:?CAPTAIN_OUT must name the folder the artefact is written to}"
PYTHON=${PYTHON:-python3}
CAPTAIN_VERSION=${CAPTAIN_VERSION:-dev}
CAPTAIN_COMMIT=${CAPTAIN_COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
export CAPTAIN_VERSION CAPTAIN_COMMIT

staging=$(mktemp -d "${TMPDIR:-/tmp}/sample-build.XXXXXX")
trap 'rm -rf "$staging"' EXIT INT TERM

cp -R app "$staging/app"
find "$staging" -name __pycache__ -type d -prune -exec rm -rf {} +

# Values come from the environment, never from the command text.
"$PYTHON" - "$staging/app/build_info.json" <<'PY'
import json, os, sys, time
info = {
    "version": os.environ["CAPTAIN_VERSION"],
    "commit": os.environ["CAPTAIN_COMMIT"],
    "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
}
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump(info, f, indent=2)
PY

mkdir -p "$CAPTAIN_OUT"
"$PYTHON" -m zipapp "$staging" -m "app.server:main" -p "/usr/bin/env python3" \
    -o "$CAPTAIN_OUT/sample-service.pyz"
echo "built $CAPTAIN_OUT/sample-service.pyz ($CAPTAIN_VERSION, commit $CAPTAIN_COMMIT)"
