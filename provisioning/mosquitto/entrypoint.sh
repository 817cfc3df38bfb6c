#!/bin/sh
# Starts Mosquitto with a password file and an ACL made from the environment at each start, so
# that no secret is stored in the repository or in the image:
#   LUCID_MQTT_USERNAME / LUCID_MQTT_PASSWORD                Lucid's Node-RED (service account)
#   LUCID_MQTT_DEVICE_USERNAME / LUCID_MQTT_DEVICE_PASSWORD  devices and the simulator
# Paths (the defaults are the container's; the stack test points them at a temporary folder):
#   MOSQUITTO_CONF [/mosquitto/config/mosquitto.conf], MOSQUITTO_ACL_TEMPLATE
#   [/mosquitto/config/acl.template], MOSQUITTO_AUTH_DIR [/mosquitto/auth]
set -eu
: "${LUCID_MQTT_USERNAME:?set LUCID_MQTT_USERNAME (see .env.example)}"
: "${LUCID_MQTT_PASSWORD:?set LUCID_MQTT_PASSWORD (see .env.example)}"
: "${LUCID_MQTT_DEVICE_USERNAME:?set LUCID_MQTT_DEVICE_USERNAME (see .env.example)}"
: "${LUCID_MQTT_DEVICE_PASSWORD:?set LUCID_MQTT_DEVICE_PASSWORD (see .env.example)}"
CONF="${MOSQUITTO_CONF:-/mosquitto/config/mosquitto.conf}"
ACL_TEMPLATE="${MOSQUITTO_ACL_TEMPLATE:-/mosquitto/config/acl.template}"
AUTH_DIR="${MOSQUITTO_AUTH_DIR:-/mosquitto/auth}"

case "$LUCID_MQTT_USERNAME$LUCID_MQTT_DEVICE_USERNAME" in
  *[!A-Za-z0-9_.-]*) echo "MQTT user names may only contain A-Z a-z 0-9 _ . -" >&2; exit 2 ;;
esac
if [ "$LUCID_MQTT_USERNAME" = "$LUCID_MQTT_DEVICE_USERNAME" ]; then
  echo "LUCID_MQTT_USERNAME and LUCID_MQTT_DEVICE_USERNAME must differ" >&2; exit 2
fi

umask 077
mkdir -p "$AUTH_DIR"
rm -f "$AUTH_DIR/passwd"
mosquitto_passwd -c -b "$AUTH_DIR/passwd" "$LUCID_MQTT_USERNAME" "$LUCID_MQTT_PASSWORD"
mosquitto_passwd -b "$AUTH_DIR/passwd" "$LUCID_MQTT_DEVICE_USERNAME" "$LUCID_MQTT_DEVICE_PASSWORD"
sed -e "s/@SERVICE_USER@/$LUCID_MQTT_USERNAME/g" -e "s/@DEVICE_USER@/$LUCID_MQTT_DEVICE_USERNAME/g" \
  "$ACL_TEMPLATE" > "$AUTH_DIR/acl"
# Mosquitto drops root privileges to its own user before it reads these files.
if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then
  chown -R mosquitto:mosquitto "$AUTH_DIR"
fi
chmod 0700 "$AUTH_DIR"
chmod 0600 "$AUTH_DIR/passwd" "$AUTH_DIR/acl"
exec mosquitto -c "$CONF"
