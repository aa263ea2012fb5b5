#!/bin/bash
# jibri-ts's own script, at the path and with the behaviour of Jibri's: asks the service to shut down
# gracefully (no new session; exit 255 once the running ones are finalized) through the internal API.
# Exits with curl's code.
. "$(dirname "$0")/jibri-ts-settings.sh"

PORT=$(setting JIBRI_HTTP_API_INTERNAL_PORT 3333)

curl -sX POST "http://127.0.0.1:$PORT/jibri/api/internal/v1.0/gracefulShutdown"
