#!/bin/sh
# A [[notify]] command: appends each event it is given (one JSON object on stdin, the
# shape of `captain history --json`) to notifications.jsonl in the state directory, and
# says what it was. A real one posts to a chat (examples/notify/slack.sh) or the desktop
# (examples/notify/desktop.sh).
set -eu
cat >> "$CAPTAIN_STATE_DIR/notifications.jsonl"
echo >> "$CAPTAIN_STATE_DIR/notifications.jsonl"
echo "notified $CAPTAIN_EVENT_KIND ${CAPTAIN_EVENT_STAGE:-} ${CAPTAIN_EVENT_TARGET:-}"
