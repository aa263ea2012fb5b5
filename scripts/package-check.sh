#!/usr/bin/env bash
# The Debian package and the checkout's commands on a Debian host, for real, in containers booted with
# systemd (PID 1, as on a server), with no network (--network none: loopback only, nothing reaches out):
#
#   1. builds jibri-ts_<version>_amd64.deb from the recorder image (scripts/deb-build.sh; container-check
#      built the image from a fresh clone of HEAD), a copy of it at a lower version (for the upgrade),
#      and a stand-in for Jitsi's `jibri` package (its unit, jibri.conf and launch.sh at Jibri's paths);
#   2. builds the host image: the Dockerfile's runtime-packages stage (cached from container-check: the
#      package's dependencies) plus systemd, Prosody and nginx, which run as the host's system services,
#      and the lists and archives that let apt install the test stack's extra packages offline (cached
#      too while the stage is the same: it carries no commit label);
#   3. the package: installs the Jibri stand-in, configures its jibri.conf as a Jibri user would, then
#      `apt-get install ./jibri-ts_<lower>.deb`: Jibri's package is replaced, its jibri.conf kept, the
#      service enabled and running as the jibri user; the installed service records the demo page
#      (ffprobe, and the page's corners, motion and tone); Restart=always restarts it after a crash, a
#      graceful shutdown (exit 255) keeps it stopped, a reload restarts it; the upgrade to <version>
#      keeps jibri.conf, jibri-ts.env and the recording, and reloads the service onto the new version;
#      remove stops and disables it and keeps the configuration and recordings; purge removes the
#      configuration, keeps the recordings and the user. Prosody and nginx keep running throughout;
#   4. the checkout on a Jitsi-like host: with the system's Prosody and nginx running (systemd services),
#      `npm run demo` records, `npm start` serves until stopped, and `scripts/setup.sh test` installs the
#      test stack's missing packages (nginx's RTMP module, promtool) while nginx runs; afterwards Prosody
#      and nginx still run, enabled, with the same main pids.
# Prints the .deb's size, the install and upgrade times, and each step's.
#   5. with PACKAGE_CHECK_FRESH=1, the install as a person does it: a plain debian:bookworm-slim container,
#      `apt-get update && apt-get install ./jibri-ts_<version>_amd64.deb` with every dependency from
#      Debian's mirror (the network: host), timed, then `jibri-ts demo` as the jibri user.
# Environment: IMAGE (jibri-ts:local), DEB_COMPRESS (gzip) and DEB_COMPRESS_LEVEL (1; empty for dpkg-deb's
# own) as deb-build.sh, KEEP_WORK=1 keeps the work folder,
# PREVIOUS_DEB=path upgrades from that package instead of the lower-versioned copy, PACKAGE_CHECK_FRESH=1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. scripts/node-env.sh
IMAGE=${IMAGE:-jibri-ts:local}
BASE_IMAGE=jibri-ts-runtime-packages:local
HOST_IMAGE=jibri-ts-package-host:local
WORK=$(mktemp -d /tmp/jibri-ts-package-check.XXXXXX)
chmod 755 "$WORK"
CONTAINERS=()

say() { printf '\n== %s\n' "$*" >&2; }
fail() { printf 'package-check: FAILED: %s\n' "$*" >&2; exit 1; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
cleanup() {
  for c in "${CONTAINERS[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
  if [ "${KEEP_WORK:-0}" != 1 ]; then rm -rf "$WORK"; else echo "work folder kept: $WORK" >&2; fi
}
trap cleanup EXIT
t_all=$(date +%s.%N)

# --- 1. the packages -------------------------------------------------------------------------------------------
bash scripts/dockerd.sh || fail "no Docker engine"
say "the Debian package"
t0=$(date +%s.%N)
# gzip at level 1 here: xz (the release's, scripts/release.sh) takes minutes on two cores, gzip's default
# level 9 takes 18 s against 2 s for a 10 % smaller file that is installed here and thrown away; dpkg reads
# every level alike, and the payload is the same.
deb=$(DEB_COMPRESS=${DEB_COMPRESS:-gzip} DEB_COMPRESS_LEVEL=${DEB_COMPRESS_LEVEL-1} bash scripts/deb-build.sh "$WORK/debs") || fail "deb-build.sh"
deb_seconds=$(elapsed "$t0")
version=$(dpkg-deb -f "$deb" Version)
deb_bytes=$(stat -c %s "$deb")
dpkg-deb -I "$deb" | sed -n '/Package:/,$p' >&2
[ "$(dpkg-deb -f "$deb" Conflicts)" = jibri ] && [ "$(dpkg-deb -f "$deb" Replaces)" = jibri ] && [ "$(dpkg-deb -f "$deb" Provides)" = jibri ] || fail "the package does not conflict with, replace and provide jibri"
# The listing is read whole before grep looks in it (grep -q closing the pipe early fails it under pipefail).
dpkg-deb -c "$deb" | awk '{ print $6 }' >"$WORK/deb-files.txt"
for f in ./usr/lib/jibri-ts/node/bin/node ./usr/bin/jibri-ts ./etc/systemd/system/jibri.service ./etc/jitsi/jibri/jibri.conf \
         ./opt/jitsi/jibri/graceful_shutdown.sh ./opt/jitsi/jibri/reload.sh ./opt/jitsi/jibri/wait_graceful_shutdown.sh; do
  grep -qxF "$f" "$WORK/deb-files.txt" || fail "the package lacks $f"
done

if [ -n "${PREVIOUS_DEB:-}" ]; then
  older=$PREVIOUS_DEB
else
  # The same build at a lower version: every maintainer-script path of an upgrade runs (the payload is the
  # same, so the check of a new version is its dpkg version and a restarted service).
  dpkg-deb -R "$deb" "$WORK/older"
  sed -i "s/^Version: .*/Version: ${version}~older/" "$WORK/older/DEBIAN/control"
  older=$WORK/debs/jibri-ts_${version}~older_amd64.deb
  dpkg-deb --root-owner-group -Znone --build "$WORK/older" "$older" >/dev/null
  rm -rf "$WORK/older"
fi

# A stand-in for Jitsi's jibri package, with its files at its paths (the unit, jibri.conf, launch.sh) and
# its postinst's user, so the replacement is tested as a user meets it.
stand=$WORK/jibri-pkg
mkdir -p "$stand/DEBIAN" "$stand/etc/jitsi/jibri" "$stand/etc/systemd/system" "$stand/opt/jitsi/jibri"
printf 'jibri {\n}\n' >"$stand/etc/jitsi/jibri/jibri.conf"
printf '[Unit]\nDescription=Jibri Process\n[Service]\nUser=jibri\nExecStart=/opt/jitsi/jibri/launch.sh\nRestart=always\nRestartPreventExitStatus=255\n[Install]\nWantedBy=multi-user.target\n' >"$stand/etc/systemd/system/jibri.service"
printf '#!/bin/sh\nexec sleep infinity\n' >"$stand/opt/jitsi/jibri/launch.sh"
chmod 755 "$stand/opt/jitsi/jibri/launch.sh"
printf 'Package: jibri\nVersion: 8.0-169-test\nArchitecture: all\nMaintainer: package-check <check@invalid>\nDescription: stand-in for Jitsi'"'"'s jibri package\n' >"$stand/DEBIAN/control"
printf '/etc/jitsi/jibri/jibri.conf\n/etc/systemd/system/jibri.service\n' >"$stand/DEBIAN/conffiles"
printf '#!/bin/sh\nset -e\n[ "$1" = configure ] || exit 0\ngetent passwd jibri >/dev/null || useradd --system --create-home jibri\n' >"$stand/DEBIAN/postinst"
chmod 755 "$stand/DEBIAN/postinst"
dpkg-deb --root-owner-group -Znone --build "$stand" "$WORK/debs/jibri_8.0-169-test_all.deb" >/dev/null
chmod -R a+rX "$WORK/debs"

# --- 2. the host image ---------------------------------------------------------------------------------------
say "the host image (runtime-packages + systemd, Prosody, nginx)"
t0=$(date +%s.%N)
TARGET=runtime-packages IMAGE=$BASE_IMAGE bash scripts/image-build.sh || fail "building $BASE_IMAGE"
mkdir -p "$WORK/host"
cat >"$WORK/host/Dockerfile" <<EOF
FROM $BASE_IMAGE
# systemd as PID 1, and a Jitsi host's Prosody and nginx, which systemd starts at boot. The lists and the
# archives of nginx's RTMP and stream modules and of Prometheus stay, so that the test setup can install
# them with no network.
RUN set -eux; \\
    export DEBIAN_FRONTEND=noninteractive; \\
    apt-get update; \\
    apt-get install -y --no-install-recommends systemd systemd-sysv dbus procps openssl prosody nginx-light; \\
    apt-get install -y --no-install-recommends --download-only libnginx-mod-rtmp libnginx-mod-stream prometheus; \\
    systemctl mask getty.target console-getty.service systemd-logind.service systemd-udevd.service \\
      systemd-networkd.service systemd-resolved.service systemd-timesyncd.service; \\
    systemctl enable prosody nginx
STOPSIGNAL SIGRTMIN+3
CMD ["/lib/systemd/systemd"]
EOF
DOCKER_BUILDKIT=0 docker build --network host -q -t "$HOST_IMAGE" "$WORK/host" >"$WORK/host-build.log" 2>&1 || { tail -30 "$WORK/host-build.log" >&2; fail "building $HOST_IMAGE"; }
echo "host image built in $(elapsed "$t0") s" >&2

# A Debian host booted by systemd, on its own loopback-only network.
boot() { # name [docker run options...]
  local name=$1 state
  shift
  CONTAINERS+=("$name")
  # What systemd as PID 1 needs, and no more (no --privileged): CAP_SYS_ADMIN for its mounts, the cgroup
  # tree to place its units in (it works under the container's own cgroup, which Docker removes with the
  # container), and no seccomp or AppArmor profile in its way.
  docker run -d --name "$name" --network none --cap-add SYS_ADMIN --security-opt seccomp=unconfined \
    --security-opt apparmor=unconfined -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
    --tmpfs /run --tmpfs /run/lock --tmpfs /tmp:exec,mode=1777 "$@" "$HOST_IMAGE" >/dev/null
  for _ in $(seq 1 60); do
    state=$(docker exec "$name" systemctl is-system-running 2>/dev/null || true)
    case "$state" in running | degraded) break ;; esac
    sleep 0.5
  done
  case "$state" in running | degraded) ;; *) docker logs "$name" 2>&1 | tail -20 >&2; fail "systemd in $name did not come up ($state)";; esac
}
# "active <main pid>" of a unit.
unit_state() { echo "$(docker exec "$1" systemctl show -p ActiveState --value "$2") $(docker exec "$1" systemctl show -p MainPID --value "$2")"; }
services_of() { printf 'prosody %s, nginx %s' "$(unit_state "$1" prosody)" "$(unit_state "$1" nginx)"; }
in_host() { docker exec "$HOST" "$@"; }

# --- 3. the package -------------------------------------------------------------------------------------------------
say "install, record, restart, upgrade, remove and purge in a Debian container with systemd"
HOST=jibri-ts-package-deb-$$
boot "$HOST" -v "$WORK/debs:/debs:ro" -v "$ROOT/scripts/package-record.js:/usr/local/share/package-record.js:ro"
services_before=$(services_of "$HOST")
echo "system services: $services_before" >&2
case "$services_before" in "prosody active "*", nginx active "*) ;; *) fail "Prosody and nginx are not running in the host container: $services_before";; esac

# A Jibri host: Jibri's package, and its jibri.conf as the user set it.
in_host dpkg -i /debs/jibri_8.0-169-test_all.deb >/dev/null
docker exec -i "$HOST" sh -c 'cat >/etc/jitsi/jibri/jibri.conf' <<'EOF'
jibri {
  id = "jibri-from-the-jibri-package"
  recording {
    recordings-directory = "/srv/recordings"
  }
}
EOF
conf_sum=$(in_host sha256sum /etc/jitsi/jibri/jibri.conf)

apt_install() { in_host env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold "$@"; }
t0=$(date +%s.%N)
apt_install "/debs/$(basename "$older")" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log" >&2; fail "apt-get install of the package"; }
install_seconds=$(elapsed "$t0")
grep -E '^(Removing|Setting up|The following packages will be REMOVED)' -A1 "$WORK/install.log" | head -8 >&2
[ "$(in_host dpkg-query -W -f='${db:Status-Abbrev}' jibri 2>/dev/null || true)" != "ii " ] || fail "Jibri's package is still installed"
[ "$(in_host sha256sum /etc/jitsi/jibri/jibri.conf)" = "$conf_sum" ] || fail "installing replaced the user's jibri.conf"
in_host grep -q '^ExecStart=/usr/bin/jibri-ts serve$' /etc/systemd/system/jibri.service || fail "Jibri's unit was not replaced by jibri-ts's"
[ "$(in_host dpkg-query -S /etc/jitsi/jibri/jibri.conf | cut -d: -f1)" = jibri-ts ] || fail "jibri.conf does not belong to jibri-ts"
[ "$(in_host systemctl is-enabled jibri)" = enabled ] || fail "jibri.service is not enabled after the install"
in_host stat -c '%U:%G %a' /etc/jitsi/jibri/jibri-ts.env | grep -qx 'root:jibri 640' || fail "jibri-ts.env is not root:jibri 0640"
api=http://127.0.0.1:2222/jibri/api/v1.0
wait_health() { # container -> prints the health status once the service answers
  local h
  for _ in $(seq 1 120); do
    h=$(docker exec "$1" curl -s --max-time 2 "$api/health" 2>/dev/null | jq -r '.status.health.healthStatus' 2>/dev/null || true)
    [ -n "$h" ] && [ "$h" != null ] && { echo "$h"; return 0; }
    sleep 0.5
  done
  return 1
}
health=$(wait_health "$HOST") || { in_host journalctl -u jibri --no-pager | tail -30 >&2; fail "the installed service does not answer on 127.0.0.1:2222"; }
pid=$(in_host systemctl show -p MainPID --value jibri)
user=$(in_host ps -o user= -p "$pid")
printf 'installed %s over Jibri in %.1f s; jibri.service active, pid %s, user %s, health %s\n' "$(basename "$older")" "$install_seconds" "$pid" "$user" "$health" >&2
[ "$user" = jibri ] || fail "the service runs as $user, not jibri"
[ "$health" = HEALTHY ] || { in_host jibri-ts status >&2 || true; fail "the installed service is $health"; }
in_host jibri-ts status >&2
in_host journalctl -u jibri --no-pager -o cat | grep -m1 'jibri-ts .* on Node.js v24' >&2 || fail "the service did not log its version on Node.js 24"

# The installed service records the demo page.
sid=package-check-$$
in_host /usr/lib/jibri-ts/node/bin/node /usr/local/share/package-record.js "$api" "$sid" 8 >&2 || { in_host journalctl -u jibri --no-pager -o cat | tail -30 >&2; fail "recording the demo page through the installed service"; }
mp4=$(in_host sh -c "ls /srv/recordings/$sid/*.mp4" | head -1)
[ -n "$mp4" ] && in_host test -f "/srv/recordings/$sid/metadata.json" || fail "no finalized recording in /srv/recordings/$sid"
[ "$(in_host stat -c %U "$mp4")" = jibri ] || fail "the recording does not belong to jibri"
docker cp -q "$HOST:$mp4" "$WORK/recording.mp4"
probe=$(ffprobe -v error -show_entries stream=codec_name,width,height -show_entries format=duration -of csv=p=0 "$WORK/recording.mp4" | paste -sd' ')
echo "the installed service recorded $mp4: $probe" >&2
case "$probe" in *h264,1280,720*aac*|*aac*h264,1280,720*) ;; *) fail "the recording is not H.264 1280x720 + AAC: $probe";; esac
media=$(node scripts/container-check-media.js "$WORK/recording.mp4" 8) || fail "the recording's content: $media"
echo "content: $media" >&2

# Jibri's restart contract.
in_host kill -9 "$pid"
for _ in $(seq 1 60); do
  now=$(unit_state "$HOST" jibri)
  case "$now" in "active "*) [ "${now#active }" != "$pid" ] && [ "${now#active }" != 0 ] && break ;; esac
  sleep 0.5
done
echo "after kill -9 of pid $pid: $now (Restart=always)" >&2
case "$now" in "active "*) [ "${now#active }" != "$pid" ] || fail "jibri.service was not restarted after a crash";; *) fail "jibri.service is $now after a crash";; esac
wait_health "$HOST" >/dev/null || fail "the restarted service does not answer"
in_host /opt/jitsi/jibri/graceful_shutdown.sh >/dev/null || fail "graceful_shutdown.sh"
for _ in $(seq 1 60); do
  [ "$(in_host systemctl show -p ActiveState --value jibri)" != active ] && break
  sleep 0.5
done
sleep 3
after="$(in_host systemctl show -p ActiveState --value jibri) $(in_host systemctl show -p ExecMainStatus --value jibri) $(in_host systemctl show -p NRestarts --value jibri)"
echo "after graceful_shutdown.sh: ActiveState ExecMainStatus NRestarts = $after (RestartPreventExitStatus=255)" >&2
case "$after" in inactive\ 255\ *|failed\ 255\ *) ;; *) fail "after a graceful shutdown jibri.service is \"$after\", not stopped with 255";; esac
in_host systemctl start jibri
wait_health "$HOST" >/dev/null || fail "jibri.service did not start again"
pid=$(in_host systemctl show -p MainPID --value jibri)
in_host systemctl reload jibri
for _ in $(seq 1 60); do
  now=$(unit_state "$HOST" jibri)
  case "$now" in "active "*) [ "${now#active }" != "$pid" ] && [ "${now#active }" != 0 ] && break ;; esac
  sleep 0.5
done
echo "after systemctl reload (idle): $now, was pid $pid" >&2
case "$now" in "active "*) [ "${now#active }" != "$pid" ] || fail "systemctl reload did not restart the idle service";; *) fail "jibri.service is $now after a reload";; esac

# The upgrade keeps the configuration and the recordings and moves the service onto the new version.
wait_health "$HOST" >/dev/null || fail "the service does not answer before the upgrade"
in_host sh -c 'echo "JIBRI_LOG_LEVEL=info" >>/etc/jitsi/jibri/jibri-ts.env'
env_sum=$(in_host sha256sum /etc/jitsi/jibri/jibri-ts.env)
pid=$(in_host systemctl show -p MainPID --value jibri)
t0=$(date +%s.%N)
apt_install "/debs/$(basename "$deb")" >"$WORK/upgrade.log" 2>&1 || { cat "$WORK/upgrade.log" >&2; fail "the upgrade"; }
upgrade_seconds=$(elapsed "$t0")
[ "$(in_host dpkg-query -W -f='${Version}' jibri-ts)" = "$version" ] || fail "the upgrade did not install $version"
[ "$(in_host sha256sum /etc/jitsi/jibri/jibri.conf)" = "$conf_sum" ] || fail "the upgrade changed jibri.conf"
[ "$(in_host sha256sum /etc/jitsi/jibri/jibri-ts.env)" = "$env_sum" ] || fail "the upgrade changed jibri-ts.env"
in_host test -f "$mp4" || fail "the upgrade lost the recording $mp4"
for _ in $(seq 1 60); do
  now=$(unit_state "$HOST" jibri)
  case "$now" in "active "*) [ "${now#active }" != "$pid" ] && [ "${now#active }" != 0 ] && break ;; esac
  sleep 0.5
done
printf 'upgraded to %s in %.1f s: configuration and recording kept; jibri.service %s (was pid %s)\n' "$version" "$upgrade_seconds" "$now" "$pid" >&2
case "$now" in "active "*) [ "${now#active }" != "$pid" ] || fail "the upgraded service still runs the old process";; *) fail "jibri.service is $now after the upgrade";; esac
wait_health "$HOST" >/dev/null || fail "the upgraded service does not answer"

# Remove keeps configuration and recordings; purge removes the configuration, keeps the recordings.
in_host env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q jibri-ts >"$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log" >&2; fail "apt-get remove"; }
[ "$(in_host dpkg-query -W -f='${db:Status-Abbrev}' jibri-ts)" = "rc " ] || fail "after remove jibri-ts is not in the config-files state"
in_host test ! -e /usr/bin/jibri-ts || fail "remove left /usr/bin/jibri-ts"
[ "$(in_host systemctl show -p ActiveState --value jibri)" != active ] || fail "remove left the service running"
for f in /etc/jitsi/jibri/jibri.conf /etc/jitsi/jibri/jibri-ts.env /etc/systemd/system/jibri.service "$mp4"; do in_host test -f "$f" || fail "remove deleted $f"; done
[ "$(in_host sha256sum /etc/jitsi/jibri/jibri.conf)" = "$conf_sum" ] || fail "remove changed jibri.conf"
echo "removed: service stopped, configuration and recording kept" >&2
in_host env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q jibri-ts >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log" >&2; fail "apt-get purge"; }
for f in /etc/jitsi/jibri/jibri.conf /etc/jitsi/jibri/jibri-ts.env /etc/systemd/system/jibri.service /var/lib/jibri-ts; do in_host test ! -e "$f" || fail "purge left $f"; done
in_host test -f "$mp4" || fail "purge deleted the recording $mp4"
in_host getent passwd jibri >/dev/null || fail "purge removed the jibri user (its recordings would lose their owner)"
echo "purged: configuration gone; recording and the jibri user kept" >&2
services_after=$(services_of "$HOST")
echo "system services after it all: $services_after" >&2
[ "$services_after" = "$services_before" ] || fail "the system's services changed: before $services_before, after $services_after"
docker rm -f "$HOST" >/dev/null

# --- 4. the checkout's commands on a host whose Prosody and nginx run -------------------------------------------
say "npm run demo, npm start and setup.sh test on a host with Prosody and nginx running"
# The checkout, read-only, with the Node.js and npm it runs on here; built first, so that setup inside
# finds nothing to do in the checkout itself. In `npm test` its setup step built this checkout already,
# so this writes nothing while container-check reads dist/ beside it.
bash scripts/setup.sh build >/dev/null 2>&1 || fail "scripts/setup.sh build"
node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
[ -f "$npm_dir/bin/npm-cli.js" ] || fail "npm is not at $npm_dir"
HOST=jibri-ts-package-npm-$$
boot "$HOST" -v "$ROOT:/src:ro" -v "$node_bin:/usr/local/bin/node:ro" -v "$npm_dir:/usr/local/lib/node_modules/npm:ro"
in_host ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
services_before=$(services_of "$HOST")
echo "system services: $services_before" >&2
case "$services_before" in "prosody active "*", nginx active "*) ;; *) fail "Prosody and nginx are not running in the host container: $services_before";; esac
# Their real ports answer (Prosody's XMPP, nginx's HTTP).
listening() { in_host bash -c 'for p in 5222 80; do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "port $p closed"; exit 1; }; done'; }
listening || fail "Prosody (5222) or nginx (80) does not answer in the host container"
run_in() { docker exec -w /src -e HOME=/root -e JIBRI_RECORDING_DIR=/tmp/recordings -e npm_config_update_notifier=false "$HOST" "$@"; }

t0=$(date +%s.%N)
run_in npm run --silent demo -- 5 >"$WORK/demo.out" 2>"$WORK/demo.err" || { tail -20 "$WORK/demo.err" >&2; fail "npm run demo"; }
echo "npm run demo ($(elapsed "$t0") s): $(paste -sd' ' "$WORK/demo.out")" >&2
grep -q 'video h264 1280x720' "$WORK/demo.out" || fail "npm run demo did not print an H.264 recording"
[ "$(services_of "$HOST")" = "$services_before" ] || fail "npm run demo changed the system's services: $(services_of "$HOST")"

docker exec -d -w /src -e HOME=/root -e JIBRI_RECORDING_DIR=/tmp/recordings "$HOST" sh -c 'npm start >/tmp/start.log 2>&1'
health=$(wait_health "$HOST") || { in_host cat /tmp/start.log >&2; fail "npm start: the service did not answer"; }
# The service itself: npm's `sh -c` line names the same command.
serve_pid=$(in_host pgrep -xf 'node dist/lib/main.js serve')
echo "npm start: the service (pid $serve_pid) answers, $health" >&2
[ "$health" = HEALTHY ] || { in_host cat /tmp/start.log >&2; fail "npm start: the service is $health"; }
in_host kill -INT "$serve_pid"
for _ in $(seq 1 40); do in_host kill -0 "$serve_pid" 2>/dev/null || break; sleep 0.5; done
in_host kill -0 "$serve_pid" 2>/dev/null && fail "npm start: the service did not stop on SIGINT"
in_host grep -q 'setup: installing\|apt-get' /tmp/start.log && fail "npm start installed something: $(in_host cat /tmp/start.log)"
[ "$(services_of "$HOST")" = "$services_before" ] || fail "npm start changed the system's services: $(services_of "$HOST")"

# The test setup installs what the tests add (offline, from the image's apt archives) while nginx runs.
missing=$(in_host sh -c 'dpkg-query -W -f="\${Package} \${db:Status-Abbrev}\n" libnginx-mod-rtmp libnginx-mod-stream prometheus 2>/dev/null | grep -vc " ii" || true')
run_in bash scripts/setup.sh test >"$WORK/setup-test.out" 2>&1 || { tail -20 "$WORK/setup-test.out" >&2; fail "scripts/setup.sh test"; }
grep -m1 'installing Debian packages' "$WORK/setup-test.out" >&2 || fail "setup.sh test installed nothing, though $missing package(s) were missing"
in_host dpkg-query -W -f='${db:Status-Abbrev}' libnginx-mod-rtmp | grep -q '^ii' || fail "setup.sh test did not install libnginx-mod-rtmp"
[ "$(in_host systemctl show -p ActiveState --value prometheus)" != active ] || fail "the test setup started Prometheus"
services_after=$(services_of "$HOST")
echo "system services after npm run demo, npm start and setup.sh test: $services_after" >&2
[ "$services_after" = "$services_before" ] || fail "the system's services changed: before $services_before, after $services_after"
for u in prosody nginx; do [ "$(in_host systemctl is-enabled "$u")" = enabled ] || fail "$u is no longer enabled"; done
listening || fail "Prosody or nginx stopped answering"

# --- 5. (PACKAGE_CHECK_FRESH=1) the install a person does: a plain debian:bookworm-slim, apt from Debian's mirror --
fresh_line=
if [ "${PACKAGE_CHECK_FRESH:-0}" = 1 ]; then
  say "a fresh Debian: apt-get install ./$(basename "$deb") with every dependency from Debian's mirror"
  name=jibri-ts-package-fresh-$$
  CONTAINERS+=("$name")
  docker run -d --name "$name" --network host -v "$WORK/debs:/debs:ro" debian:bookworm-slim sleep infinity >/dev/null
  t0=$(date +%s.%N)
  docker exec "$name" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q /debs/$(basename "$deb")" >"$WORK/fresh.log" 2>&1 || { tail -30 "$WORK/fresh.log" >&2; fail "the install on a fresh Debian"; }
  fresh_seconds=$(elapsed "$t0")
  newly=$(grep -m1 -oE '[0-9]+ newly installed' "$WORK/fresh.log" || true)
  fetched=$(grep -m1 -oE 'Need to get [0-9.,]+ [kMG]B' "$WORK/fresh.log" || true)
  docker exec "$name" jibri-ts --version >&2
  docker exec -u jibri -e HOME=/tmp/jibri-home -e XDG_RUNTIME_DIR=/tmp/jibri-run -w /tmp "$name" sh -c 'mkdir -p $HOME $XDG_RUNTIME_DIR && chmod 700 $XDG_RUNTIME_DIR && JIBRI_RECORDING_DIR=/tmp/rec jibri-ts demo 5' >"$WORK/fresh-demo.out" 2>"$WORK/fresh-demo.err" \
    || { tail -20 "$WORK/fresh-demo.err" >&2; fail "jibri-ts demo on the fresh install"; }
  echo "jibri-ts demo as the jibri user on the fresh install: $(paste -sd' ' "$WORK/fresh-demo.out")" >&2
  fresh_line=$(printf 'on a fresh debian:bookworm-slim: apt-get update + install in %.1f s (%s, %s)' "$fresh_seconds" "$newly" "$fetched")
  echo "$fresh_line" >&2
fi

say "package-check: OK"
printf 'package %s: %.1f MB (%s bytes), %s MB installed; built in %s s; installed (dependencies present) in %.1f s, upgraded in %.1f s; package-check %s s\n' \
  "$(basename "$deb")" "$(awk -v s="$deb_bytes" 'BEGIN { print s / 1048576 }')" "$deb_bytes" "$(($(dpkg-deb -f "$deb" Installed-Size) / 1024))" \
  "$deb_seconds" "$install_seconds" "$upgrade_seconds" "$(elapsed "$t_all")"
[ -z "$fresh_line" ] || echo "$fresh_line"
