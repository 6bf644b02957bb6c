#!/bin/sh
# Integration test of one instance: /version reports $CAPTAIN_VERSION and the right stage and
# target, /health and / answer 200. Instance from CAPTAIN_STAGE/TARGET/ONEBOX,
# or arguments STAGE TARGET [ONEBOX], or a bare PORT.
exec "${PYTHON:-python3}" "$(dirname "$0")/service_ctl.py" integration "$@"
