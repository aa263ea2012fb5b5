#!/usr/bin/env bash
# Builds the Debian package jibri-ts_<version>_amd64.deb from the recorder image (scripts/image-build.sh
# builds it from a fresh clone of HEAD), so the package carries exactly the image's program: its
# production node_modules, the compiled dist/lib, packages/common and packages/rtmp, package.json and its Node.js 24 binary.
# The packaging files (deploy/debian, deploy/jibri) come from the same commit (git archive HEAD).
#
# Layout, as Jibri's package where Jibri's users look:
#   /usr/lib/jibri-ts/{node/bin/node,package.json,dist,node_modules,packages/{common,rtmp}}   the program
#   /usr/bin/jibri-ts                                    the command (deploy/debian/jibri-ts)
#   /opt/jitsi/jibri/{graceful_shutdown,reload,wait_graceful_shutdown,shutdown}.sh   Jibri's scripts (ours)
#   /etc/systemd/system/jibri.service                    the unit, where Jibri's package has it (conffile)
#   /etc/jitsi/jibri/jibri.conf                          Jibri's file, as Jibri's package ships it (conffile)
#   /etc/jitsi/jibri/jibri-ts.env                        docker-jitsi-meet variable names (conffile, 0640)
#   /usr/share/jibri-ts/defaults.conf                    the package's defaults (recordings in /srv/recordings)
#   /usr/share/doc/jibri-ts/{copyright,LICENSE,changelog.gz}
# Maintainer scripts: deploy/debian/{postinst,prerm,postrm}.
#
#   deb-build.sh [OUT_DIR]     (default: dist/deb). Prints the .deb's path on stdout.
# Environment: IMAGE (jibri-ts:local), DEB_VERSION (package.json's version), DEB_COMPRESS (xz; gzip is
# quicker and larger), DEB_COMPRESS_LEVEL (dpkg-deb -z; its default for the compressor when unset).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
IMAGE=${IMAGE:-jibri-ts:local}
OUT=${1:-dist/deb}
VERSION=${DEB_VERSION:-$(node -p 'require("./package.json").version')}
COMPRESS=${DEB_COMPRESS:-xz}
# dpkg-deb's own level for that compressor when empty (9 for gzip, 6 for xz).
LEVEL=${DEB_COMPRESS_LEVEL:-}

say() { printf 'deb-build: %s\n' "$*" >&2; }
fail() { printf 'deb-build: FAILED: %s\n' "$*" >&2; exit 1; }
command -v dpkg-deb >/dev/null 2>&1 || fail "dpkg-deb is missing (Debian's dpkg)"
docker image inspect "$IMAGE" >/dev/null 2>&1 || fail "no image $IMAGE: build it first (scripts/image-build.sh)"
revision=$(docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.revision"}}' "$IMAGE")
label_version=$(docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.version"}}' "$IMAGE")
[ -z "${DEB_VERSION:-}" ] && [ "$label_version" != "$VERSION" ] && fail "$IMAGE is version $label_version, the checkout $VERSION: build the image again"

work=$(mktemp -d /tmp/jibri-ts-deb.XXXXXX)
container=
cleanup() { [ -z "$container" ] || docker rm -f "$container" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
t0=$(date +%s.%N)
pkg=$work/pkg
lib=$pkg/usr/lib/jibri-ts
mkdir -p "$lib/node/bin" "$pkg/usr/bin" "$pkg/opt/jitsi/jibri" "$pkg/etc/systemd/system" "$pkg/etc/jitsi/jibri" \
  "$pkg/usr/share/jibri-ts" "$pkg/usr/share/doc/jibri-ts" "$pkg/DEBIAN"

# The packaging files of the image's commit when the checkout has it, else of HEAD.
commit=$revision
git cat-file -e "$commit^{commit}" 2>/dev/null || commit=HEAD
git archive "$commit" deploy/debian deploy/jibri LICENSE CHANGELOG.md | tar -x -C "$work"

# The program, from the image.
container=$(docker create "$IMAGE")
docker cp -q "$container:/app/." "$lib/"
docker cp -qL "$container:/usr/local/bin/node" "$lib/node/bin/node"
docker rm "$container" >/dev/null
container=
rm -f "$lib/entrypoint.sh" "$lib/prestop.js" "$lib/own-api.js"
[ -x "$lib/node/bin/node" ] && [ -f "$lib/dist/lib/main.js" ] || fail "the image has no /app/dist/lib/main.js or node"

install -m 0755 "$work/deploy/debian/jibri-ts" "$pkg/usr/bin/jibri-ts"
for s in graceful_shutdown.sh reload.sh wait_graceful_shutdown.sh shutdown.sh jibri-ts-settings.sh; do
  install -m 0755 "$work/deploy/jibri/$s" "$pkg/opt/jitsi/jibri/$s"
done
install -m 0644 "$work/deploy/debian/jibri.service" "$pkg/etc/systemd/system/jibri.service"
install -m 0644 "$work/deploy/debian/jibri.conf" "$pkg/etc/jitsi/jibri/jibri.conf"
install -m 0640 "$work/deploy/debian/jibri-ts.env" "$pkg/etc/jitsi/jibri/jibri-ts.env"
install -m 0644 "$work/deploy/debian/defaults.conf" "$pkg/usr/share/jibri-ts/defaults.conf"
install -m 0644 "$work/deploy/debian/copyright" "$pkg/usr/share/doc/jibri-ts/copyright"
install -m 0644 "$work/LICENSE" "$pkg/usr/share/doc/jibri-ts/LICENSE"
gzip -9n <"$work/CHANGELOG.md" >"$pkg/usr/share/doc/jibri-ts/changelog.gz"
for s in postinst prerm postrm; do install -m 0755 "$work/deploy/debian/$s" "$pkg/DEBIAN/$s"; done
printf '%s\n' /etc/jitsi/jibri/jibri.conf /etc/jitsi/jibri/jibri-ts.env /etc/systemd/system/jibri.service >"$pkg/DEBIAN/conffiles"

# Files belong to root; dpkg applies the modes above.
size_kb=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
# The project's public address, when the checkout came from one: an https URL with no user or token in it
# (a local path or a credential must never end up in a package's metadata).
homepage=$(git config --get remote.origin.url 2>/dev/null || true)
homepage=${homepage%.git}
[[ "$homepage" =~ ^https://[A-Za-z0-9.-]+(:[0-9]+)?/[A-Za-z0-9._/-]+$ ]] || homepage=
sed -e "s|@VERSION@|$VERSION|" -e "s|@INSTALLED_SIZE@|$size_kb|" "$work/deploy/debian/control.in" \
  | if [ -n "$homepage" ]; then sed "s|@HOMEPAGE@|$homepage|"; else grep -v '^Homepage:'; fi >"$pkg/DEBIAN/control"
(cd "$pkg" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) >"$pkg/DEBIAN/md5sums"

mkdir -p "$OUT"
deb=$OUT/jibri-ts_${VERSION}_amd64.deb
dpkg-deb --root-owner-group -Z"$COMPRESS" ${LEVEL:+-z"$LEVEL"} --build "$pkg" "$deb" >/dev/null
seconds=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
say "$deb: $(du -m "$deb" | cut -f1) MB ($COMPRESS${LEVEL:+ -$LEVEL}), $((size_kb / 1024)) MB installed, version $VERSION of ${revision:0:12}, built in $seconds s"
echo "$deb"
