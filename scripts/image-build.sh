#!/usr/bin/env bash
# Builds the image as a user would, from a fresh clone: `git clone` of this checkout's HEAD commit into a
# temp folder, then `docker build` of the Dockerfile, unchanged, with that clone as the context. Nothing
# from the working tree (node_modules, dist, uncommitted edits) can reach the image. Prints the build time.
#
# `--network host`: this machine's dockerd runs without a bridge network (scripts/dockerd.sh), so RUN steps
# reach the npm registry and Debian's mirrors through the host's network. The host's npm settings are
# passed on as build arguments: NPM_REGISTRY (npm config get registry), NPM_CA (certificates npm trusts
# beyond Node's own, scripts/npm-extra-ca.js) and the proxy variables when set.
# Environment: IMAGE (jibri-ts:local), TARGET (the Dockerfile's default), DOCKER_BUILD_ARGS (more options).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
IMAGE=${IMAGE:-jibri-ts:local}

work=$(mktemp -d /tmp/jibri-ts-image-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
commit=$(git rev-parse HEAD)
git clone -q --no-checkout "$ROOT" "$work/src"
git -C "$work/src" checkout -q --detach "$commit"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "image-build: uncommitted changes are not in the image (it is built from commit ${commit:0:12})" >&2
fi

args=(--network host -t "$IMAGE" --build-arg "NPM_REGISTRY=$(npm config get registry)")
ca=$(node scripts/npm-extra-ca.js)
[ -z "$ca" ] || args+=(--build-arg "NPM_CA=$ca")
for v in HTTPS_PROXY HTTP_PROXY NO_PROXY https_proxy http_proxy no_proxy; do
  [ -z "${!v:-}" ] || args+=(--build-arg "$v=${!v}")
done
[ -z "${TARGET:-}" ] || args+=(--target "$TARGET")
# shellcheck disable=SC2206 # DOCKER_BUILD_ARGS is a list of options on purpose
[ -z "${DOCKER_BUILD_ARGS:-}" ] || args+=(${DOCKER_BUILD_ARGS})

echo "image-build: docker build --network host -t $IMAGE (fresh clone of ${commit:0:12})" >&2
t0=$(date +%s.%N)
DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0} docker build "${args[@]}" "$work/src" >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; echo "image-build: FAILED: docker build" >&2; exit 1; }
seconds=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
grep -E '^slim-node-modules:' "$work/build.log" >&2 || true
cached=$(grep -c 'Using cache' "$work/build.log" || true)
steps=$(grep -cE '^Step [0-9]+/' "$work/build.log" || true)
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
printf 'image-build: %s built in %s s (%s of %s steps cached); %.0f MB\n' "$IMAGE" "$seconds" "$cached" "$steps" "$(awk -v s="$size" 'BEGIN { print s / 1e6 }')" >&2
