#!/bin/sh
# Entrypoint of the Lucid Node-RED image: provision the flow into /data (see provision-flows.js),
# wait for PostgreSQL when it is the store engine, then run Node-RED with Lucid's settings.
set -eu
LUCID_DIR=/usr/src/node-red/lucid
node "$LUCID_DIR/provision-flows.js"
# NODE_OPTIONS is read by node itself; exec so that Node-RED gets the stop signal.
exec node /usr/src/node-red/node_modules/node-red/red.js \
  --userDir "${NODE_RED_USER_DIR:-/data}" \
  --settings "$LUCID_DIR/settings.js" \
  "$@"
