#!/bin/sh
# Load check: N sequential requests to / of the instance; fails when any request fails or the
# p95 latency exceeds the bound. N: LOAD_REQUESTS, else CAPTAIN_VAR_LOAD_REQUESTS, else 50.
# Bound in ms: LOAD_P95_MS, else CAPTAIN_VAR_P95_MS, else 200. Path: LOAD_PATH (default /).
# Instance: as integration.sh.
exec "${PYTHON:-python3}" "$(dirname "$0")/service_ctl.py" load "$@"
