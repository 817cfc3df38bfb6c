#!/bin/sh
# Entrypoint of the Lucid Node-RED image: provision the flow into /data (see provision-flows.js),
# then run Node-RED with Lucid's settings through lucid-red.js (no CORS, store API kept out of
# the admin app: see that file).
set -eu
LUCID_DIR=/usr/src/node-red/lucid
node "$LUCID_DIR/provision-flows.js"
# NODE_OPTIONS is read by node itself; exec so that Node-RED gets the stop signal.
exec node "$LUCID_DIR/lucid-red.js"
