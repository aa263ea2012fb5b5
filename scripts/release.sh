#!/usr/bin/env bash
# Builds a release a person can take, into release/<version>/ (untracked), from the committed HEAD:
#   jibri-ts_<version>_amd64.deb                the Debian package (scripts/deb-build.sh)
#   jibri-ts_<version>_image.tar.gz             the recorder image, jibri-ts:<version> and :latest
#   jibri-ts-fleet_<version>_image.tar.gz       the fleet image, jibri-ts-fleet:<version> and :latest
#   jibri-ts-fleet-local_<version>_image.tar.gz the fleet with the recorder, jibri-ts-fleet-local:<version> and :latest
#   SHA256SUMS                                  sha256sum -c SHA256SUMS checks them
# The images are built from a fresh clone of HEAD (scripts/image-build.sh) and labelled with the version,
# the commit and the source; `docker load -i <file>` brings one into an engine. The version is package.json's
# (one for every package). Refuses a checkout with uncommitted changes: a release is a commit.
# Needs root on a machine without a Docker engine or the base images (it starts and makes them, as
# npm test does). Environment: RELEASE_DIR (release).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node-env.sh
version=$(node -p 'require("./package.json").version')
commit=$(git rev-parse HEAD)
out=${RELEASE_DIR:-release}/$version

say() { printf '== %s\n' "$*" >&2; }
fail() { printf 'release: FAILED: %s\n' "$*" >&2; exit 1; }
[ -z "$(git status --porcelain --untracked-files=no)" ] || fail "uncommitted changes: commit them (a release is built from a commit)"
for p in packages/*/package.json; do
  [ "$(node -p "require('./$p').version")" = "$version" ] || fail "$p is not at version $version (every package carries the root's version)"
done
grep -q "^## \[$version\]" CHANGELOG.md || fail "CHANGELOG.md has no section for $version"

t0=$(date +%s)
mkdir -p "$out"
rm -f "$out"/*.deb "$out"/*.tar.gz "$out"/SHA256SUMS
say "release $version of ${commit:0:12} into $out"
bash scripts/dockerd.sh || fail "no Docker engine"
bash scripts/base-images.sh || fail "base images"
IMAGE=jibri-ts:$version FLEET_IMAGE=jibri-ts-fleet:$version FLEET_LOCAL_IMAGE=jibri-ts-fleet-local:$version VERSION_TAGS=1 \
  bash scripts/image-build.sh || fail "the images"
IMAGE=jibri-ts:$version bash scripts/deb-build.sh "$out" >/dev/null || fail "the Debian package"
for name in jibri-ts jibri-ts-fleet jibri-ts-fleet-local; do
  [ "$(docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.revision"}}' "$name:$version")" = "$commit" ] || fail "$name:$version was not built from $commit"
  say "docker save $name:$version $name:latest"
  docker save "$name:$version" "$name:latest" | gzip -6 >"$out/${name}_${version}_image.tar.gz"
done
(cd "$out" && sha256sum -- *.deb *.tar.gz >SHA256SUMS)
say "release $version ($(($(date +%s) - t0)) s):"
(cd "$out" && ls -l --block-size=M -- *.deb *.tar.gz SHA256SUMS) >&2
for name in jibri-ts jibri-ts-fleet jibri-ts-fleet-local; do
  printf '  image %s:%s: %.0f MB\n' "$name" "$version" "$(awk -v s="$(docker image inspect -f '{{.Size}}' "$name:$version")" 'BEGIN { print s / 1e6 }')" >&2
done
