#!/usr/bin/env bash
# `npm start`, `npm run demo`, `npm run fleet`, `npm run bench`: prepares the checkout with
# scripts/setup.sh PROFILE, then runs COMMAND on the project's Node.js (scripts/node-env.sh).
#   run.sh PROFILE COMMAND [ARGS...]
# `npm start` uses the `build` profile: it installs nothing on the machine; the service then checks what
# it needs and says what is missing and how to get it.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=$1
shift
bash scripts/setup.sh "$profile"
. scripts/node-env.sh
# The service runs with Node's young generation capped, as the image and the Debian package start it
# (docs/MEETING-COST.md); a V8 flag that takes effect only when the process starts.
if [ "${!#}" = serve ]; then export NODE_OPTIONS="--max-semi-space-size=2${NODE_OPTIONS:+ $NODE_OPTIONS}"; fi
exec "$@"
