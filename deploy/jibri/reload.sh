#!/bin/bash
# jibri-ts's own script, at the path and with the behaviour of Jibri's: asks the service to exit with 0
# once idle (notifyConfigChanged), so that its supervisor (systemd's Restart=always, docker's restart
# policy) starts it again with the new configuration. Exits with curl's code.
. "$(dirname "$0")/jibri-ts-settings.sh"

PORT=$(setting JIBRI_HTTP_API_INTERNAL_PORT 3333)

curl -sX POST "http://127.0.0.1:$PORT/jibri/api/internal/v1.0/notifyConfigChanged"
