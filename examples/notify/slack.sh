#!/bin/sh
# A [[notify]] command that posts the event to a Slack-compatible incoming webhook
# (Slack, Mattermost, Rocket.Chat). Set SLACK_WEBHOOK_URL in the engine's environment;
# the URL is a secret, so keep it out of pipeline.toml.
#
#   [[notify]]
#   on = ["rollback.*", "stage.rejected", "approval.waiting"]
#   run = "sh examples/notify/slack.sh"
#
# The event arrives on stdin as one JSON object (the `captain history --json` shape);
# the CAPTAIN_EVENT_* variables carry the same fields for the message text.
set -eu
: "${SLACK_WEBHOOK_URL:?set SLACK_WEBHOOK_URL to the incoming webhook's URL}"

where="${CAPTAIN_EVENT_STAGE:-}"
[ -n "${CAPTAIN_EVENT_TARGET:-}" ] && where="$where/$CAPTAIN_EVENT_TARGET"
text="$CAPTAIN_PIPELINE: $CAPTAIN_EVENT_KIND ${CAPTAIN_EVENT_VERSION:-} ${where:+in $where}: $CAPTAIN_EVENT_DETAIL"

# JSON-escape the text with python3 (always beside the captain) rather than by hand.
payload=$(TEXT="$text" python3 -c 'import json, os; print(json.dumps({"text": os.environ["TEXT"]}))')
curl --fail --silent --show-error --max-time 20 \
    -H 'Content-Type: application/json' --data "$payload" "$SLACK_WEBHOOK_URL"
