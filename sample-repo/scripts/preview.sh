#!/bin/sh
# Deploys $CAPTAIN_ARTEFACTS/sample-service.pyz as the preview $CAPTAIN_PREVIEW (what
# `captain preview BRANCH` runs): starts it detached on a free 127.0.0.1 port under
# $CAPTAIN_STATE_DIR/services/_preview/$CAPTAIN_PREVIEW/, waits until it answers, stops
# the preview's previous process, and writes http://127.0.0.1:PORT/ to
# $CAPTAIN_PREVIEW_URL_FILE. Idempotent, like deploy.sh; stop_all.sh stops previews too.
exec "${PYTHON:-python3}" "$(dirname "$0")/service_ctl.py" preview "$@"
