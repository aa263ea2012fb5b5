#!/bin/bash
# jibri-ts's own script, at the path and with the interface of Jibri's (the autoscaler sidecar runs it as
# its GRACEFUL_SHUTDOWN_SCRIPT):
#   1. asks for a graceful shutdown (graceful_shutdown.sh); exits 1 if that fails;
#   2. reads the health endpoint's .status.busyStatus with curl and jq every 10 s while it is BUSY, for at
#      most 6 hours; after that, stops the sessions (stopService, then the internal shutdown);
#   3. waits for the service to exit, at most STATUS_TIMEOUT seconds; if it is still there, asks for an
#      immediate shutdown and waits as long again; exits 0 once it is gone, else 1.
# Options as Jibri's: -h <health URL>, -t <curl timeout and exit wait, seconds>, -s (quiet).
# Jibri's script ends with `service jibri stop` and kills the process by its systemd pid; jibri-ts exits
# by itself (255 is not restarted by Restart=always + RestartPreventExitStatus=255, nor by docker's
# unless-stopped), so this script only waits for that and needs neither systemd nor a pid.
# Needs curl and jq.
. "$(dirname "$0")/jibri-ts-settings.sh"

CURL_BIN=${CURL_BIN:-curl}
EXTERNAL_PORT=$(setting JIBRI_HTTP_API_EXTERNAL_PORT 2222)
INTERNAL_PORT=$(setting JIBRI_HTTP_API_INTERNAL_PORT 3333)
STATUS_URL="http://localhost:$EXTERNAL_PORT/jibri/api/v1.0/health"
STATUS_TIMEOUT=30
SLEEP_TIME=10
TERMINATION_DELAY_TIMEOUT=21600
verbose=1

OPTIND=1
while getopts "h:t:s" opt; do
  case "$opt" in
    h) STATUS_URL=$OPTARG ;;
    t) STATUS_TIMEOUT=$OPTARG ;;
    s) verbose=0 ;;
    *) echo "usage: $0 [-h health URL] [-t seconds] [-s]" >&2; exit 2 ;;
  esac
done
shift "$((OPTIND - 1))"
STOP_URL="${STATUS_URL%/health}/stopService"

printInfo() { if [ "$verbose" = 1 ]; then echo "$@"; fi; }
printError() { echo "$@" >&2; }
busyStatus() { $CURL_BIN -s --max-time "$STATUS_TIMEOUT" "$STATUS_URL" 2>/dev/null | jq -r '.status.busyStatus' 2>/dev/null; }
answering() { $CURL_BIN -s -o /dev/null --max-time 5 "$STATUS_URL" 2>/dev/null; }
waitForExit() {
  local waited=0
  while answering; do
    [ "$waited" -ge "$1" ] && return 1
    sleep 1
    waited=$((waited + 1))
  done
  return 0
}

echo -n "Graceful shutdown signal..."
"$(dirname "$0")/graceful_shutdown.sh"
shutdownStatus=$?
echo "sent"
if [ "$shutdownStatus" != 0 ]; then
  printError "Failed to signal shutdown of Jibri: $shutdownStatus"
  exit 1
fi

printInfo "Graceful shutdown started"
SLEEP_COUNT=0
while [ "$(busyStatus)" = "BUSY" ]; do
  if [ "$SLEEP_COUNT" -ge "$TERMINATION_DELAY_TIMEOUT" ]; then
    printInfo "WAITED $TERMINATION_DELAY_TIMEOUT seconds, stopping jibri."
    $CURL_BIN -s -H 'Content-Type: application/json' -d '{}' --max-time 3600 "$STOP_URL" >/dev/null 2>&1
    $CURL_BIN -sX POST --max-time 30 "http://127.0.0.1:$INTERNAL_PORT/jibri/api/internal/v1.0/shutdown" >/dev/null 2>&1
    break
  fi
  printInfo "A recording is in progress"
  sleep "$SLEEP_TIME"
  SLEEP_COUNT=$((SLEEP_COUNT + SLEEP_TIME))
done

if waitForExit "$STATUS_TIMEOUT"; then
  printInfo "Jibri shutdown OK"
  exit 0
fi
printInfo "It is still running after $STATUS_TIMEOUT seconds; asking it to shut down now"
$CURL_BIN -sX POST --max-time 30 "http://127.0.0.1:$INTERNAL_PORT/jibri/api/internal/v1.0/shutdown" >/dev/null 2>&1
if waitForExit "$STATUS_TIMEOUT"; then
  printInfo "Jibri shutdown OK"
  exit 0
fi
printError "Jibri did not exit"
exit 1
