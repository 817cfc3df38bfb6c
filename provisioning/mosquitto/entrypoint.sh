#!/bin/sh
# Starts Mosquitto with a password file and an ACL made from the environment at each start, so
# that no secret is stored in the repository or in the image:
#   LUCID_MQTT_USERNAME / LUCID_MQTT_PASSWORD                Lucid's Node-RED (service account)
#   LUCID_MQTT_DEVICE_USERNAME / LUCID_MQTT_DEVICE_PASSWORD  the simulator (a shared account)
# and, from the optional file MOSQUITTO_DEVICES_FILE (lines `tenant deviceId password`), one
# account per device named `tenant/deviceId` that may publish only under its own
# tenants/{tenant}/devices/{deviceId}/ (telemetry and status).
# Paths (the defaults are the container's; the stack test points them at a temporary folder):
#   MOSQUITTO_CONF [/mosquitto/config/mosquitto.conf], MOSQUITTO_ACL_TEMPLATE
#   [/mosquitto/config/acl.template], MOSQUITTO_AUTH_DIR [/mosquitto/auth],
#   MOSQUITTO_DEVICES_FILE [/mosquitto/config/devices/accounts]
set -eu
: "${LUCID_MQTT_USERNAME:?set LUCID_MQTT_USERNAME (see .env.example)}"
: "${LUCID_MQTT_PASSWORD:?set LUCID_MQTT_PASSWORD (see .env.example)}"
: "${LUCID_MQTT_DEVICE_USERNAME:?set LUCID_MQTT_DEVICE_USERNAME (see .env.example)}"
: "${LUCID_MQTT_DEVICE_PASSWORD:?set LUCID_MQTT_DEVICE_PASSWORD (see .env.example)}"
CONF="${MOSQUITTO_CONF:-/mosquitto/config/mosquitto.conf}"
ACL_TEMPLATE="${MOSQUITTO_ACL_TEMPLATE:-/mosquitto/config/acl.template}"
AUTH_DIR="${MOSQUITTO_AUTH_DIR:-/mosquitto/auth}"
DEVICES_FILE="${MOSQUITTO_DEVICES_FILE:-/mosquitto/config/devices/accounts}"

case "$LUCID_MQTT_USERNAME$LUCID_MQTT_DEVICE_USERNAME" in
  *[!A-Za-z0-9_.-]*) echo "MQTT user names may only contain A-Z a-z 0-9 _ . -" >&2; exit 2 ;;
esac
if [ "$LUCID_MQTT_USERNAME" = "$LUCID_MQTT_DEVICE_USERNAME" ]; then
  echo "LUCID_MQTT_USERNAME and LUCID_MQTT_DEVICE_USERNAME must differ" >&2; exit 2
fi

# Per-device accounts: every line is checked before anything is written.
devices_lines() {
  [ -f "$DEVICES_FILE" ] || return 0
  grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$DEVICES_FILE" || true
}
line_no=0
devices_lines | while read -r tenant device password extra; do
  line_no=$((line_no + 1))
  for id in "$tenant" "$device"; do
    case "$id" in
      '' | .* | *[!A-Za-z0-9_.-]*)
        echo "$DEVICES_FILE: entry $line_no: tenant and device ids may only contain A-Z a-z 0-9 _ . - and may not start with '.', got '$id'" >&2
        exit 2 ;;
    esac
  done
  if [ "${#password}" -lt 12 ] || [ -n "$extra" ]; then
    echo "$DEVICES_FILE: entry $line_no ($tenant/$device): expected 'tenant deviceId password', the password at least 12 characters without spaces" >&2
    exit 2
  fi
done

umask 077
mkdir -p "$AUTH_DIR"
rm -f "$AUTH_DIR/passwd"
mosquitto_passwd -c -b "$AUTH_DIR/passwd" "$LUCID_MQTT_USERNAME" "$LUCID_MQTT_PASSWORD"
mosquitto_passwd -b "$AUTH_DIR/passwd" "$LUCID_MQTT_DEVICE_USERNAME" "$LUCID_MQTT_DEVICE_PASSWORD"
sed -e "s/@SERVICE_USER@/$LUCID_MQTT_USERNAME/g" -e "s/@DEVICE_USER@/$LUCID_MQTT_DEVICE_USERNAME/g" \
  "$ACL_TEMPLATE" > "$AUTH_DIR/acl"
devices_lines | while read -r tenant device password; do
  mosquitto_passwd -b "$AUTH_DIR/passwd" "$tenant/$device" "$password"
  printf '\nuser %s\ntopic write tenants/%s/devices/%s/telemetry\ntopic write tenants/%s/devices/%s/status\n' \
    "$tenant/$device" "$tenant" "$device" "$tenant" "$device" >> "$AUTH_DIR/acl"
done
# Mosquitto drops root privileges to its own user before it reads these files.
if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then
  chown -R mosquitto:mosquitto "$AUTH_DIR"
fi
chmod 0700 "$AUTH_DIR"
chmod 0600 "$AUTH_DIR/passwd" "$AUTH_DIR/acl"
exec mosquitto -c "$CONF"
