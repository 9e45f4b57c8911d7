#!/bin/sh
# Every node, first. Runs from the root of this repository whenever it changes.
set -eu
echo "common: $NODEGRID_ID is $NODEGRID_DEPLOYMENT/$NODEGRID_NODEPART of $NODEGRID_STACKTYPE (${NODEGRID_CHANGED_FROM:-first run}..$NODEGRID_CHANGED_TO)"
# e.g. keep the message of the day saying what this node is:
# printf 'nodegrid: %s %s/%s\n' "$NODEGRID_ID" "$NODEGRID_DEPLOYMENT" "$NODEGRID_NODEPART" > /etc/motd
