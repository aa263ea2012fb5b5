#!/usr/bin/env bash
# Checks that `npm ci` accepts package-lock.json on npm 10 and on npm 11, whatever npm this machine has:
# a throwaway copy of package.json, the workspaces' package.json files and the lock, `npm ci --dry-run` with each (npx fetches the other npm
# from the registry once, then it is cached). Fails when either refuses, and when the lock in the working
# tree changed in the process (npm ci must never write it).
#
# Why: a lock written by npm 10 in a tree that already had node_modules lacked other platforms' optional
# packages (@unrs/resolver-binding-* of jest's resolver); npm 10 installed from it, npm 11 refused it
# ("Missing: ... from lock file"). Any lock written by npm 11 lists every platform's entries.
# Environment: LOCK_CHECK_NPM_VERSIONS (default "10 11").
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/jibri-ts-lock-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp package.json package-lock.json "$work/"
# The workspaces' manifests too: the lock holds their dependencies, and npm ci checks them against it.
for ws in packages/*/package.json; do mkdir -p "$work/$(dirname "$ws")" && cp "$ws" "$work/$ws"; done
before=$(sha256sum package-lock.json)
host_major=$(npm --version | cut -d. -f1)

for major in ${LOCK_CHECK_NPM_VERSIONS:-10 11}; do
  if [ "$major" = "$host_major" ]; then npm=(npm); else npm=(npx -y "npm@$major"); fi
  version=$(cd "$work" && "${npm[@]}" --version)
  if ! out=$(cd "$work" && "${npm[@]}" ci --dry-run --ignore-scripts --no-audit --no-fund --loglevel=error 2>&1); then
    printf '%s\n' "$out" | awk '!/^npm error *$/ && n++ < 20' >&2
    echo "lock-check: FAILED: npm $version refuses package-lock.json (see above); regenerate it with npm 11: npx -y npm@11 install --package-lock-only --ignore-scripts" >&2
    exit 1
  fi
  echo "lock-check: npm $version accepts package-lock.json for npm ci" >&2
done
cmp -s "$work/package-lock.json" package-lock.json || { echo "lock-check: FAILED: npm ci rewrote the lock" >&2; exit 1; }
[ "$(sha256sum package-lock.json)" = "$before" ] || { echo "lock-check: FAILED: package-lock.json changed during the check" >&2; exit 1; }
