#!/bin/sh
# Deploys $CAPTAIN_ARTEFACTS/sample-service.pyz to $CAPTAIN_STAGE/$CAPTAIN_TARGET (its onebox when
# $CAPTAIN_ONEBOX=1): starts the new process detached on a free 127.0.0.1 port, waits until it
# answers (10 s at most, SAMPLE_START_TIMEOUT), records its port and pid under
# $CAPTAIN_STATE_DIR/services/<stage>/<target>[-onebox]/, then stops the process it replaces.
# Idempotent: safe to re-run after a crash, and the same for a rollback to an older artefact.
# A full (non-onebox) deploy also stops the target's onebox instance.
exec "${PYTHON:-python3}" "$(dirname "$0")/service_ctl.py" deploy "$@"
