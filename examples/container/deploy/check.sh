#!/bin/sh
# Approval: the target's container answers /version with $CAPTAIN_VERSION (10 s at most).
exec "${PYTHON:-python3}" - "$CAPTAIN_VAR_PORT" "$CAPTAIN_VERSION" <<'PY'
import json, sys, time, urllib.request
port, want = sys.argv[1], sys.argv[2]
deadline = time.monotonic() + 10
while True:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/version", timeout=1) as r:
            runs = json.load(r).get("version")
        break
    except OSError as error:
        if time.monotonic() > deadline:
            sys.exit(f"127.0.0.1:{port} did not answer: {error}")
        time.sleep(0.2)
print(f"127.0.0.1:{port} runs {runs}")
sys.exit(0 if runs == want else f"expected {want}")
PY
