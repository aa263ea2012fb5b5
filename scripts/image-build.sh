#!/usr/bin/env bash
# Builds the images as a user would, from a fresh clone: `git clone` of this checkout's HEAD commit into a
# temp folder, then `docker build` of the Dockerfile, unchanged, with that clone as the context, once per
# target: the recorder (the default target, IMAGE), `fleet` (FLEET_IMAGE) and `fleet-local`
# (FLEET_LOCAL_IMAGE); the later ones reuse the first one's cached stages. Nothing from the working tree
# (node_modules, dist, uncommitted edits) can reach an image. Prints each build's time and size.
#
# `--network host`: this machine's dockerd runs without a bridge network (scripts/dockerd.sh), so RUN steps
# reach the npm registry and Debian's mirrors through the host's network. The host's npm settings are
# passed on as build arguments: NPM_REGISTRY (npm config get registry), NPM_CA (certificates npm trusts
# beyond Node's own, scripts/npm-extra-ca.js) and the proxy variables when set.
# Each product image is labelled (OCI) with package.json's version, the commit and the source; with
# VERSION_TAGS=1 it is also tagged <name>:<version> and <name>:latest (scripts/release.sh).
# Environment: IMAGE (jibri-ts:local), FLEET_IMAGE (jibri-ts-fleet:local), FLEET_LOCAL_IMAGE
# (jibri-ts-fleet-local:local), TARGET (only this target, tagged IMAGE), DOCKER_BUILD_ARGS (more options).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# The project's Node.js: npm's settings (and the extra certificates, scripts/npm-extra-ca.js) as every
# other build of this checkout passes them, so the build cache is shared.
. scripts/node-env.sh
IMAGE=${IMAGE:-jibri-ts:local}
FLEET_IMAGE=${FLEET_IMAGE:-jibri-ts-fleet:local}
FLEET_LOCAL_IMAGE=${FLEET_LOCAL_IMAGE:-jibri-ts-fleet-local:local}

work=$(mktemp -d /tmp/jibri-ts-image-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
commit=$(git rev-parse HEAD)
git clone -q --no-checkout "$ROOT" "$work/src"
git -C "$work/src" checkout -q --detach "$commit"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "image-build: uncommitted changes are not in the image (it is built from commit ${commit:0:12})" >&2
fi

version=$(node -p 'require("./package.json").version')
source_url=$(git config --get remote.origin.url 2>/dev/null || echo unknown)
# The OCI labels that change with the commit, as labels of the final image only: as build arguments they
# would be part of every step's cache key and rebuild the npm install at each commit. Only the products
# (recorder, fleet, fleet-local) carry them: an intermediate stage built by itself (TARGET=runtime-packages
# for scripts/package-check.sh) stays the cached stage, the same image from one commit to the next, so
# that what is built on it is not built again at each commit.
labels=(--label "org.opencontainers.image.version=$version" --label "org.opencontainers.image.revision=$commit"
        --label "org.opencontainers.image.source=$source_url")
args=(--network host --build-arg "NPM_REGISTRY=$(npm config get registry)")
ca=$(node scripts/npm-extra-ca.js)
[ -z "$ca" ] || args+=(--build-arg "NPM_CA=$ca")
for v in HTTPS_PROXY HTTP_PROXY NO_PROXY https_proxy http_proxy no_proxy; do
  [ -z "${!v:-}" ] || args+=(--build-arg "$v=${!v}")
done
# shellcheck disable=SC2206 # DOCKER_BUILD_ARGS is a list of options on purpose
[ -z "${DOCKER_BUILD_ARGS:-}" ] || args+=(${DOCKER_BUILD_ARGS})

# target:tag pairs; the recorder's target is the Dockerfile's default.
if [ -n "${TARGET:-}" ]; then builds=("$TARGET:$IMAGE"); else builds=("recorder:$IMAGE" "fleet:$FLEET_IMAGE" "fleet-local:$FLEET_LOCAL_IMAGE"); fi
for build in "${builds[@]}"; do
  target=${build%%:*}
  tag=${build#*:}
  echo "image-build: docker build --network host --target $target -t $tag (fresh clone of ${commit:0:12})" >&2
  t0=$(date +%s.%N)
  case "$target" in recorder | fleet | fleet-local) target_args=("${labels[@]}") ;; *) target_args=() ;; esac
  DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0} docker build "${args[@]}" ${target_args[@]+"${target_args[@]}"} --target "$target" -t "$tag" "$work/src" >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; echo "image-build: FAILED: docker build --target $target" >&2; exit 1; }
  seconds=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  grep -E '^slim-node-modules:' "$work/build.log" >&2 || true
  cached=$(grep -c 'Using cache' "$work/build.log" || true)
  steps=$(grep -cE '^Step [0-9]+/' "$work/build.log" || true)
  size=$(docker image inspect -f '{{.Size}}' "$tag")
  printf 'image-build: %s (%s) built in %s s (%s of %s steps cached); %.0f MB\n' "$tag" "$target" "$seconds" "$cached" "$steps" "$(awk -v s="$size" 'BEGIN { print s / 1e6 }')" >&2
  if [ "${VERSION_TAGS:-0}" = 1 ]; then
    for t in "${tag%:*}:$version" "${tag%:*}:latest"; do docker tag "$tag" "$t"; echo "image-build: tagged $t" >&2; done
  fi
done
