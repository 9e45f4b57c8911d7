#!/bin/sh
# Every node of the lad1 stack (lb1, app1, db1).
set -eu
echo "stacktype/lad1: stack-wide settings"
