#!/bin/sh
# Runs once, at launch, between `nodegrid state set setup` and `state set initdone`
# (see examples/cloud-init/user-data.yaml), from the root of this repository, with
# the node in NODEGRID_ID, NODEGRID_DEPLOYMENT, NODEGRID_NODEPART, NODEGRID_STACKTYPE.
# A failure wedges the node: fix the DNA (this repository), kill the node, launch another.
set -eu
echo "init: $NODEGRID_ID as $NODEGRID_DEPLOYMENT/$NODEGRID_NODEPART of $NODEGRID_STACKTYPE"
# e.g. apt-get install -y nginx; install -m 0644 conf/app1.env /etc/default/app1
