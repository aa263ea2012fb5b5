#!/usr/bin/env bash
# Installs what jibri-ts needs, only what is missing, so that it is quick when nothing is:
# Debian packages (ffmpeg, Xvfb, PulseAudio, Chromium, Prosody, nginx-rtmp; curl and jq for the ops
# scripts, Prometheus for promtool), npm dependencies, the build.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(ffmpeg xvfb pulseaudio chromium fonts-dejavu-core prosody nginx-light libnginx-mod-rtmp libnginx-mod-stream openssl util-linux curl jq prometheus)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "jibri-ts needs these Debian packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packaged Prosody, nginx and Prometheus start system services we do not use; the tests start their
  # own servers (and only need Prometheus' promtool).
  for s in prosody nginx prometheus; do
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now "$s" >/dev/null 2>&1 || true; fi
    service "$s" stop >/dev/null 2>&1 || true
  done
fi

# npm ci again whenever the lock's content differs from the one installed (times are not enough: a rebase or
# checkout can leave an older lock file newer than node_modules, or the reverse).
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.package-lock.json ] || [ "$(cat node_modules/.jibri-ts-lock.sha256 2>/dev/null)" != "$lock_sum" ]; then
  echo "setup: npm ci" >&2
  # Only `npm ci`: it installs exactly the lock and never writes it. When npm refuses the lock, the lock in
  # the repository is what needs fixing, so setup stops here instead of rewriting a tracked file.
  if ! npm ci --no-audit --no-fund --loglevel=error; then
    cat >&2 <<EOF
setup: npm ci refused package-lock.json (npm $(npm --version)); setup never rewrites tracked files.
  The lock must list every package npm asks for, those of other platforms included. Regenerate it with
  npm 11 (npx -y npm@11 install --package-lock-only --ignore-scripts), check it with
  bash scripts/lock-check.sh, and commit package-lock.json.
EOF
    exit 1
  fi
  echo "$lock_sum" >node_modules/.jibri-ts-lock.sha256
fi

stamp=dist/.build-stamp
# Every package (the shared one, the fleet, then the recorder with the specs and the bench): npm run build.
if [ ! -f "$stamp" ] || [ -n "$(find lib bench spec testkit packages tsconfig.json package.json -path '*/dist' -prune -o -newer "$stamp" -name '*.ts' -print -o -newer "$stamp" -name '*.json' -print 2>/dev/null | head -1)" ]; then
  echo "setup: building" >&2
  npm run --silent build
  touch "$stamp"
fi

# npm ci links a workspace's program into node_modules/.bin only when the file exists, and the fleet's
# (packages/fleet/dist/main.js) is built after it: link it now, so `npx jibri-ts-fleet` works in a checkout.
if [ ! -e node_modules/.bin/jibri-ts-fleet ]; then
  npm rebuild --ignore-scripts --workspace packages/fleet --no-audit --no-fund --loglevel=error >/dev/null
fi
