#!/bin/sh
# app1 in lad1, last: point the app at the live db1 nodes of its deployment.
# `nodegrid find` exits 3 when there is no partner yet: keep the old list then,
# and try again on the next change.
set -eu
echo "stacktype/lad1/part/app1: looking for db1 in $NODEGRID_DEPLOYMENT"
if partners=$(nodegrid find --deployment "$NODEGRID_DEPLOYMENT" --nodepart db1 --address 2>/dev/null); then
  echo "db1 partners: $(echo "$partners" | tr '\n' ' ')"
  # e.g. echo "$partners" > /etc/app1/db-hosts && systemctl reload app1
else
  echo "no live db1 yet; keeping the current settings"
fi
