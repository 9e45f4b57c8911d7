#!/bin/sh
# Every app1 node, whatever its stack.
set -eu
echo "part/app1: app settings from conf/app1.env"
# e.g. install -m 0644 conf/app1.env /etc/default/app1
test -r conf/app1.env
