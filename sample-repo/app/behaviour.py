"""Provides the switches a commit flips to make the service misbehave on purpose.

The demo commits a change to this file to show a bad version being caught by a
bake and rolled back. Each entry is a target name (`"eu-west-1"`: that region in
every stage, onebox included) or `"STAGE/TARGET"` (`"prod-wave-2/eu-west-1"`: one
place only). The service reads its stage and target from its command line at start.
"""

#: Where `GET /health` answers 500 instead of 200.
FAIL_HEALTH_IN: list[str] = []
