#!/bin/sh
# A [[notify]] command that shows the event as a desktop notification (notify-send,
# from libnotify: `apt install libnotify-bin`). For the person who runs the engine on
# their own machine.
#
#   [[notify]]
#   on = ["approval.waiting", "stage.rejected", "rollback.*"]
#   run = "sh examples/notify/desktop.sh"
set -eu
urgency=normal
case "$CAPTAIN_EVENT_KIND" in
    rollback.* | stage.rejected | target.failed) urgency=critical ;;
esac
where="${CAPTAIN_EVENT_STAGE:-}"
[ -n "${CAPTAIN_EVENT_TARGET:-}" ] && where="$where/$CAPTAIN_EVENT_TARGET"
notify-send --app-name=captain --urgency="$urgency" \
    "$CAPTAIN_PIPELINE: $CAPTAIN_EVENT_KIND ${CAPTAIN_EVENT_VERSION:-} ${where}" \
    "$CAPTAIN_EVENT_DETAIL"
