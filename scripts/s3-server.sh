#!/usr/bin/env bash
# A real S3 server for the specs and the bench: Ceph's RADOS Gateway from Debian on a single-node cluster
# (one monitor, one OSD that keeps its objects in memory, radosgw with the beast frontend), all on
# loopback, on ports picked here, in one folder, without systemd. Installs radosgw, ceph-mon and ceph-osd
# when they are missing (root). No manager daemon: radosgw needs none, and its package is large.
#
#   s3-server.sh start DIR [PARENT_PID]  starts the cluster in DIR (created), creates a user with keys and
#                                        prints one JSON line {endpoint, region, accessKeyId, secretAccessKey,
#                                        dir}; with PARENT_PID, tears everything down once that process is gone
#   s3-server.sh stop DIR                stops every daemon of DIR and removes DIR
#   s3-server.sh gateway-stop DIR        stops radosgw only (the store goes away; the cluster keeps the data)
#   s3-server.sh gateway-start DIR       starts radosgw again on the same port and waits until it answers
#   s3-server.sh install                 installs the packages only
set -euo pipefail

PACKAGES=(radosgw ceph-mon ceph-osd)
REGION=default

log() { echo "s3-server: $*" >&2; }

install_packages() {
  # No ceph daemon is started by the install (apt-install.sh); this script starts its own.
  bash "$(dirname "$0")/apt-install.sh" --why "an S3 server for the tests" "${PACKAGES[@]}"
}

# A free TCP port on 127.0.0.1, or the first of COUNT consecutive free ones.
free_ports() {
  python3 - "$1" <<'EOF'
import random, socket, sys
count = int(sys.argv[1])
for _ in range(200):
    base = random.randint(20000, 60000 - count)
    socks = []
    try:
        for p in range(base, base + count):
            s = socket.socket(); s.bind(("127.0.0.1", p)); socks.append(s)
        print(base); break
    except OSError:
        pass
    finally:
        for s in socks: s.close()
else:
    sys.exit("no free port range")
EOF
}

ceph_() { ceph -c "$DIR/ceph.conf" --connect-timeout 20 "$@"; }

wait_for() { # what, tries (0.25 s each), command...
  local what=$1 tries=$2; shift 2
  for _ in $(seq 1 "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  log "$what did not come up; logs in $DIR/log"
  tail -n 20 "$DIR"/log/*.log >&2 || true
  return 1
}

gateway_answers() { curl -fsS -o /dev/null "http://127.0.0.1:$(cat "$DIR/rgw.port")/" ; }

start_gateway() {
  radosgw -c "$DIR/ceph.conf" -n client.rgw --rgw-frontends "beast endpoint=127.0.0.1:$(cat "$DIR/rgw.port")"
  wait_for radosgw 240 gateway_answers
}

stop_pidfile() { # pid file: TERM, then KILL after 10 s
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  kill "$pid" 2>/dev/null || { rm -f "$f"; return 0; }
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
}

stop_all() {
  stop_pidfile "$DIR/run/client.rgw.pid"
  stop_pidfile "$DIR/run/osd.0.pid"
  stop_pidfile "$DIR/run/mon.a.pid"
  [ -f "$DIR/watchdog.pid" ] && [ "$(cat "$DIR/watchdog.pid")" != "${WATCHDOG_SELF:-}" ] && kill "$(cat "$DIR/watchdog.pid")" 2>/dev/null || true
  rm -rf "$DIR"
}

start_cluster() {
  mkdir -p "$DIR"/{mon,osd/ceph-0,run,log}
  local fsid mon_port rgw_port msgr_base osd_uuid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  mon_port=$(free_ports 1)
  rgw_port=$(free_ports 1)
  msgr_base=$(free_ports 16)
  echo "$rgw_port" > "$DIR/rgw.port"
  cat > "$DIR/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
public addr = 127.0.0.1
ms bind ipv6 = false
ms bind port min = $msgr_base
ms bind port max = $((msgr_base + 15))
# Loopback only, one process tree: cephx would only add keyrings.
auth cluster required = none
auth service required = none
auth client required = none
# Daemons default to "secure" connections to the monitor, which need cephx.
ms mon client mode = crc
ms client mode = crc
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
osd crush chooseleaf type = 0
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
pid file = $DIR/run/\$name.pid
[mon]
mon data = $DIR/mon/\$cluster-\$id
[osd]
osd data = $DIR/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = 4294967296
osd op num shards = 2
osd op num threads per shard = 1
[client.rgw]
rgw data = $DIR/rgw
rgw thread pool size = 32
rgw dynamic resharding = false
rgw enable usage log = false
EOF
  monmaptool --create --addv a "[v2:127.0.0.1:$mon_port]" --fsid "$fsid" "$DIR/monmap" >/dev/null
  ceph-mon -c "$DIR/ceph.conf" --mkfs -i a --monmap "$DIR/monmap"
  ceph-mon -c "$DIR/ceph.conf" -i a
  wait_for ceph-mon 80 ceph_ mon stat
  # The OSD's uuid must be the one the monitor knows, or the monitor ignores its boot.
  ceph_ osd new "$osd_uuid" >/dev/null
  ceph-osd -c "$DIR/ceph.conf" -i 0 --mkfs --osd-uuid "$osd_uuid" 2>/dev/null
  ceph-osd -c "$DIR/ceph.conf" -i 0 2>/dev/null
  wait_for ceph-osd 120 sh -c "ceph -c '$DIR/ceph.conf' osd dump 2>/dev/null | grep -q '^osd.0 up'"
  start_gateway
  local access secret
  access=$(python3 -c 'import secrets,string; print("".join(secrets.choice(string.ascii_uppercase+string.digits) for _ in range(20)))')
  secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(30))')
  radosgw-admin -c "$DIR/ceph.conf" user create --uid jibri-ts --display-name "jibri-ts specs" --access-key "$access" --secret "$secret" >/dev/null
  printf '{"endpoint":"http://127.0.0.1:%s","region":"%s","accessKeyId":"%s","secretAccessKey":"%s","dir":"%s"}\n' "$rgw_port" "$REGION" "$access" "$secret" "$DIR" > "$DIR/s3.json"
}

cmd=${1:-}
case "$cmd" in
  install)
    install_packages
    ;;
  start)
    DIR=${2:?usage: s3-server.sh start DIR [PARENT_PID]}
    parent=${3:-}
    install_packages
    # Started meanwhile by another caller (spec files run side by side, each holding the start lock in turn).
    if [ -f "$DIR/s3.json" ]; then gateway_answers 2>/dev/null || start_gateway; cat "$DIR/s3.json"; exit 0; fi
    [ -e "$DIR/ceph.conf" ] && { log "$DIR already holds a cluster"; exit 1; }
    t0=$(date +%s%N)
    trap 'log "starting the cluster failed"; stop_all' ERR
    start_cluster
    trap - ERR
    log "radosgw answers on $(cat "$DIR/rgw.port") ($(( ($(date +%s%N) - t0) / 1000000 )) ms to start the cluster)"
    if [ -n "$parent" ]; then
      # No leftovers: the cluster goes when the process that asked for it goes, however it ended.
      setsid bash -c 'while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 2; done; [ -d "$2" ] && WATCHDOG_SELF=$$ "$3" stop "$2"' \
        watchdog "$parent" "$DIR" "$(readlink -f "$0")" </dev/null >/dev/null 2>&1 &
      echo $! > "$DIR/watchdog.pid"
    fi
    cat "$DIR/s3.json"
    ;;
  stop)
    DIR=${2:?usage: s3-server.sh stop DIR}
    [ -f "$DIR/ceph.conf" ] || exit 0
    stop_all
    ;;
  gateway-stop)
    DIR=${2:?usage: s3-server.sh gateway-stop DIR}
    stop_pidfile "$DIR/run/client.rgw.pid"
    ;;
  gateway-start)
    DIR=${2:?usage: s3-server.sh gateway-start DIR}
    gateway_answers 2>/dev/null || start_gateway
    ;;
  *)
    echo "usage: s3-server.sh start DIR [PARENT_PID] | stop DIR | gateway-stop DIR | gateway-start DIR | install" >&2
    exit 2
    ;;
esac
