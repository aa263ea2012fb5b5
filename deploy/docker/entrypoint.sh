#!/bin/sh
# Entrypoint of the jibri-ts image. The root file system is read-only; HOME and XDG_RUNTIME_DIR point
# into the /tmp tmpfs, which starts empty, so they are made here (PulseAudio wants its runtime folder
# private). Then Node replaces this shell, so SIGTERM reaches the service directly.
set -eu
mkdir -p "${HOME:-/tmp/jibri}"
if [ -n "${XDG_RUNTIME_DIR:-}" ]; then
  mkdir -p "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR"
fi
# The fleet-local image has the fleet beside the recorder (/app/fleet): `fleet ...` runs it.
if [ "${1:-}" = fleet ] && [ -f /app/fleet/packages/fleet/dist/main.js ]; then
  shift
  exec node /app/fleet/packages/fleet/dist/main.js "$@"
fi
# Small young-generation spaces (docs/MEETING-COST.md): the service allocates little once started, and
# Node's default let them grow to tens of megabytes it never gave back.
exec node --max-semi-space-size=2 /app/dist/lib/main.js "$@"
