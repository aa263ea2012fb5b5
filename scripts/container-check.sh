#!/usr/bin/env bash
# Builds the jibri-ts image on this machine, with no image registry, and checks it for real:
#   1. installs docker.io, debootstrap and docker-compose from apt when missing (root only);
#   2. starts dockerd (--iptables=false --bridge=none) in the background when none answers;
#   3. makes the base images debian:bookworm-slim and node:24-bookworm-slim when they cannot be pulled
#      (scripts/base-images.sh; skipped when they exist);
#   4. builds the Dockerfile, unchanged, from a fresh clone of HEAD (scripts/image-build.sh; quick when cached);
#   5. builds the project on the host when dist/ or node_modules/ is missing (the checks below use its
#      demo page, media helpers and XMPP client);
#   6. runs `jibri-ts demo` in the container as uid 1000 with a read-only root, a tmpfs /tmp, no
#      capabilities and a mounted /storage (docker-jitsi-meet's layout); checks the file with ffprobe
#      (H.264 + AAC) and its content (the page's corners, a moving picture, the tone:
#      scripts/container-check-media.js);
#  6b. checks that the image refuses to serve its HTTP API beyond loopback without a token;
#   7. starts a Prosody on loopback, runs the service in the container against it (with the older
#      /config/recordings mount, which it must still use) and waits until a Jicofo stand-in sees it idle
#      and healthy in the brewery; checks the image's HEALTHCHECK (healthy, then unhealthy once the
#      recorder is: its XMPP server stopped past the grace, while the health endpoint still answers 200),
#      and that SIGTERM during a recording drains: the recording goes on, and once it is stopped the file
#      is finalized and the service exits 255;
#   8. runs Jibri's wait_graceful_shutdown.sh (jibri-ts's own, at /opt/jitsi/jibri) inside an idle
#      container: it returns at once and the service exits 255;
#   9. checks that each image carries only its program: the recorder image none of the fleet's packages
#      (dockerode, @kubernetes/client-node, express-rate-limit, ...) and a clear refusal of
#      `jibri-ts fleet`; the fleet image none of the recorder's (Playwright, the AWS SDK, ...); starts the
#      fleet image hardened (docker and swarm backends: it makes its recorder CA with the image's openssl,
#      key 0600) and the fleet-local image (local backend, compose's jibri-fleet) until their health answers, and administers each (jibri-ts-fleet admin, and the older
#      `node /app/dist/lib/main.js fleet admin` in fleet-local);
#  10. `docker compose build` (the Debian package's docker-compose when the plugin is missing) of
#      docker-compose.yml with docker-jitsi-meet's base file and a docker-jitsi-meet-style .env;
#  11. prints the images' sizes.
#
#   container-check.sh           all of it
#   container-check.sh images    steps 1-4 only: the images, which scripts/package-check.sh needs too
#   container-check.sh checks    steps 1, 2 and 5-11 on the images built already (`npm test` runs them
#                                beside package-check; nothing here collides with it: see scripts/test.sh)
# Environment: IMAGE (jibri-ts:local), FLEET_IMAGE (jibri-ts-fleet:local), FLEET_LOCAL_IMAGE
# (jibri-ts-fleet-local:local), SKIP_BUILD=1 (the same as `checks`), DEMO_SECONDS (10), KEEP_WORK=1 keeps
# the work folder; DEBIAN_MIRROR, NODE_VERSION, NPM_VERSION as scripts/base-images.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
phase=${1:-all}
case "$phase" in all | images | checks) ;; *) echo "usage: scripts/container-check.sh [images | checks]" >&2; exit 2 ;; esac
[ "${SKIP_BUILD:-0}" != 1 ] || [ "$phase" != all ] || phase=checks
ROOT=$PWD
# One Node.js for every step (the project's, scripts/node-env.sh): the npm settings passed to the image
# builds (scripts/npm-extra-ca.js lists the certificates beyond Node's own, which differ between Node
# versions) must be the same for image-build.sh and compose's build, or compose misses the build cache.
. scripts/node-env.sh

IMAGE=${IMAGE:-jibri-ts:local}
FLEET_IMAGE=${FLEET_IMAGE:-jibri-ts-fleet:local}
FLEET_LOCAL_IMAGE=${FLEET_LOCAL_IMAGE:-jibri-ts-fleet-local:local}
export IMAGE FLEET_IMAGE FLEET_LOCAL_IMAGE
DEMO_SECONDS=${DEMO_SECONDS:-10}
WORK=$(mktemp -d /tmp/jibri-ts-container-check.XXXXXX)
CONTAINERS=()
PROSODY_PID=
PAGE_PID=

say() { printf '\n== %s\n' "$*" >&2; }
fail() { printf 'container-check: FAILED: %s\n' "$*" >&2; exit 1; }
# Prints the first log line of container $1 that holds $2. The log is read whole before grep
# stops at its match: piping `docker logs` into `grep -m1` under pipefail fails the pipeline with
# SIGPIPE whenever the log is longer than what grep read, even though the line was found.
log_line() { local logs; logs=$(docker logs "$1" 2>&1) || return 1; grep -m1 -- "$2" <<<"$logs" >&2; }

cleanup() {
  for c in "${CONTAINERS[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
  if [ -n "$PROSODY_PID" ]; then kill "$PROSODY_PID" 2>/dev/null || true; fi
  if [ -n "$PAGE_PID" ]; then kill "$PAGE_PID" 2>/dev/null || true; fi
  if [ "${KEEP_WORK:-0}" != 1 ]; then rm -rf "$WORK"; else echo "work folder kept: $WORK" >&2; fi
}
trap cleanup EXIT

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# --- 1. packages -----------------------------------------------------------------------------------------
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v prosody >/dev/null 2>&1 || need+=(prosody)
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then need+=(docker-compose); fi
if [ "${#need[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || fail "missing ${need[*]}; run as root or: sudo apt-get install ${need[*]}"
  bash scripts/apt-install.sh --why "container-check" "${need[@]}"
fi

# --- 2. the Docker engine ----------------------------------------------------------------------------------
bash scripts/dockerd.sh || fail "no Docker engine"

# --- 3. the base images, 4. the image from a fresh clone -------------------------------------------------
build_seconds=0
# The commit the images are built from (image-build.sh clones HEAD as it is now).
built_from=$(git rev-parse HEAD)
if [ "$phase" != checks ]; then
  bash scripts/base-images.sh || fail "base images"
  t0=$(date +%s.%N)
  bash scripts/image-build.sh || fail "docker build"
  build_seconds=$(elapsed "$t0")
fi
for i in "$IMAGE" "$FLEET_IMAGE" "$FLEET_LOCAL_IMAGE"; do docker image inspect "$i" >/dev/null 2>&1 || fail "no image $i"; done
# Each image says what it is (OCI labels): the packages' version, the commit it was built from, the licence.
# Compared when this run built the images; `checks` runs on whatever images it is given.
version=$(node -p 'require("./package.json").version')
for i in "$IMAGE" "$FLEET_IMAGE" "$FLEET_LOCAL_IMAGE"; do
  labels=$(docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.version"}} {{index .Config.Labels "org.opencontainers.image.revision"}} {{index .Config.Labels "org.opencontainers.image.licenses"}}' "$i")
  [ "$phase" = checks ] || [ "$labels" = "$version $built_from Apache-2.0" ] || fail "$i is labelled \"$labels\", not \"$version $built_from Apache-2.0\""
  echo "$i: version, revision, licences: $labels" >&2
done
if [ "$phase" = images ]; then
  say "container-check images: OK (built in $build_seconds s)"
  exit 0
fi

# --- 5. the built project -------------------------------------------------------------------------------------
if [ ! -f dist/lib/main.js ] || [ ! -f dist/testkit/media.js ] || [ ! -f node_modules/.package-lock.json ]; then
  say "building the project (scripts/setup.sh test)"
  bash scripts/setup.sh test
  . scripts/node-env.sh
fi

# The hardened run options every check below uses (docs/DEPLOY.md explains each).
HARDENED=(--network host --read-only --tmpfs /tmp:exec,mode=1777 --cap-drop ALL --security-opt no-new-privileges
          --user 1000:1000 --init)

# --- 6. a recording of the bundled demo page ---------------------------------------------------------------------
say "recording the demo page in the container (${DEMO_SECONDS} s)"
storage=$WORK/storage
mkdir -p "$storage" && chown 1000:1000 "$storage"
name=jibri-ts-check-demo-$$
CONTAINERS+=("$name")
docker run --name "$name" "${HARDENED[@]}" -v "$storage:/storage" "$IMAGE" demo "$DEMO_SECONDS" \
  >"$WORK/demo.out" 2>"$WORK/demo.err" || { cat "$WORK/demo.err" "$WORK/demo.out" >&2; fail "the demo run in the container"; }
cat "$WORK/demo.out" >&2
inner=$(head -1 "$WORK/demo.out")
case "$inner" in /storage/recordings/*) ;; *) fail "the demo recorded to $inner, not under /storage/recordings";; esac
file=$storage/${inner#/storage/}
[ -f "$file" ] || fail "the demo printed $inner, but $file does not exist"
probe=$(ffprobe -v error -show_entries stream=codec_type,codec_name,width,height,r_frame_rate,sample_rate,channels -show_entries format=duration -of json "$file")
summary=$(node -e '
  const p = JSON.parse(process.argv[1]); const want = Number(process.argv[2]);
  const v = p.streams.find((s) => s.codec_type === "video"); const a = p.streams.find((s) => s.codec_type === "audio");
  const d = Number(p.format.duration); const problems = [];
  if (!v || v.codec_name !== "h264") problems.push("no H.264 video");
  if (!a || a.codec_name !== "aac") problems.push("no AAC audio");
  if (!(d > want * 0.8 && d < want * 1.5 + 2)) problems.push(`duration ${d} s is not close to ${want} s`);
  const line = `${d.toFixed(1)} s, video ${v?.codec_name} ${v?.width}x${v?.height} ${v?.r_frame_rate} fps, audio ${a?.codec_name} ${a?.sample_rate} Hz ${a?.channels} ch`;
  if (problems.length) { console.log(`${line}: ${problems.join(", ")}`); process.exit(1); }
  console.log(line);' "$probe" "$DEMO_SECONDS") || fail "ffprobe: $summary"
echo "ffprobe of the container's recording: $summary" >&2
media=$(node scripts/container-check-media.js "$file" "$DEMO_SECONDS") || fail "the container's recording: $media"
echo "content of the container's recording: $media" >&2
ls -l "$file" >&2
docker rm "$name" >/dev/null

# --- 6b. no open API by mistake -----------------------------------------------------------------------------------------
say "the image refuses an HTTP API beyond loopback without a token"
name=jibri-ts-check-open-$$
CONTAINERS+=("$name")
set +e
docker run --name "$name" "${HARDENED[@]}" -e JIBRI_HTTP_API_EXTERNAL_HOST=0.0.0.0 -e JIBRI_HTTP_API_EXTERNAL_PORT="$(free_port)" \
  "$IMAGE" serve >"$WORK/open.out" 2>&1
open_code=$?
set -e
head -3 "$WORK/open.out" >&2
[ "$open_code" = 1 ] || fail "the service started (exit code $open_code) with its API on 0.0.0.0 and no JIBRI_HTTP_API_TOKEN"
grep -q 'JIBRI_HTTP_API_TOKEN is not set' "$WORK/open.out" || fail "the refusal does not say how to set JIBRI_HTTP_API_TOKEN"
docker rm "$name" >/dev/null

# --- 7. the service against a Prosody on loopback ------------------------------------------------------------------
say "the service in the container, logging in to a Prosody on the host"
# The older docker-jitsi-meet layout: only /config/recordings is mounted; the service must record there.
rec=$WORK/recordings
mkdir -p "$rec" && chown 1000:1000 "$rec"
pdir=$WORK/prosody
mkdir -p "$pdir/data"
xport=$(free_port)
hport=$(free_port)
jibri_pw=jibri-check-$$-pw
focus_pw=focus-check-$$-pw
cat >"$pdir/prosody.cfg.lua" <<EOF
run_as_root = true
interfaces = { "127.0.0.1" }
pidfile = "$pdir/prosody.pid"
data_path = "$pdir/data"
log = { info = "$pdir/prosody.log" }
c2s_ports = { $xport }
s2s_ports = {}
component_ports = {}
http_ports = {}
https_ports = {}
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_hashed"
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; }
modules_disabled = { "tls" }
VirtualHost "auth.meet.check"
VirtualHost "recorder.meet.check"
Component "internal-muc.meet.check" "muc"
  muc_room_locking = false
  muc_room_default_public_jids = true
Component "muc.meet.check" "muc"
  muc_room_locking = false
EOF
prosodyctl --config "$pdir/prosody.cfg.lua" register jibri auth.meet.check "$jibri_pw" >/dev/null
prosodyctl --config "$pdir/prosody.cfg.lua" register focus auth.meet.check "$focus_pw" >/dev/null
prosodyctl --config "$pdir/prosody.cfg.lua" register recorder recorder.meet.check recorder-check-pw >/dev/null
prosody --config "$pdir/prosody.cfg.lua" -F >"$pdir/prosody.out" 2>&1 &
PROSODY_PID=$!
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$xport") 2>/dev/null && break; sleep 0.2; done
(exec 3<>"/dev/tcp/127.0.0.1/$xport") 2>/dev/null || { cat "$pdir/prosody.log" >&2 || true; fail "Prosody did not start"; }
echo "Prosody on 127.0.0.1:$xport" >&2

name=jibri-ts-check-xmpp-$$
CONTAINERS+=("$name")
# The docker-jitsi-meet variable names, as its .env sets them (here pointing at the loopback Prosody).
# With a CPU and memory limit, as a pod's: admission must plan with the container's 1.5 cores, not the host's.
docker run -d --name "$name" "${HARDENED[@]}" -v "$rec:/config/recordings" \
  --cpus 1.5 --memory 3g \
  --health-interval 2s --health-start-period 5s --health-retries 2 -e JIBRI_XMPP_UNREACHABLE_GRACE=3 \
  -e XMPP_SERVER="127.0.0.1:$xport" -e XMPP_DOMAIN=meet.check -e XMPP_AUTH_DOMAIN=auth.meet.check \
  -e XMPP_INTERNAL_MUC_DOMAIN=internal-muc.meet.check -e XMPP_MUC_DOMAIN=muc.meet.check \
  -e XMPP_HIDDEN_DOMAIN=recorder.meet.check -e JIBRI_BREWERY_MUC=jibribrewery \
  -e JIBRI_XMPP_USER=jibri -e JIBRI_XMPP_PASSWORD="$jibri_pw" \
  -e JIBRI_RECORDER_USER=recorder -e JIBRI_RECORDER_PASSWORD=recorder-check-pw \
  -e JIBRI_INSTANCE_ID=container-check -e PUBLIC_URL=https://meet.check \
  -e JIBRI_HTTP_API_EXTERNAL_HOST=127.0.0.1 -e JIBRI_HTTP_API_EXTERNAL_PORT="$hport" -e JIBRI_HTTP_API_INTERNAL_PORT="$(free_port)" \
  "$IMAGE" >/dev/null
node scripts/container-check-brewery.js "$xport" auth.meet.check "$focus_pw" jibribrewery@internal-muc.meet.check container-check 60 >&2 \
  || { docker logs "$name" >&2; fail "the recorder in the container did not show up in the brewery"; }
log_line "$name" 'joining the brewery' || fail "no 'joining the brewery' line in the container's log"
log_line "$name" 'older docker-jitsi-meet layout' || fail "no warning about the older /config/recordings layout in the container's log"
# The link checks run every second: a login that took longer than the short grace set above shows
# UNHEALTHY until the next one.
for _ in $(seq 1 20); do
  health=$(node -e 'fetch(process.argv[1]).then(async (r) => { const b = await r.json(); const c = b.status.health.details.capacity; console.log(r.status, JSON.stringify({ busy: b.busy, health: b.status.health.healthStatus, cores: c.hostCores, memoryHeadroomMb: Math.round(c.memoryHeadroomBytes / 1048576) })); })' \
    "http://127.0.0.1:$hport/jibri/api/v1.0/health")
  case "$health" in "200 "*'"HEALTHY"'*) break ;; esac
  sleep 1
done
echo "GET /jibri/api/v1.0/health: $health" >&2
case "$health" in "200 "*'"HEALTHY"'*) ;; *) fail "the health endpoint answered $health";; esac
case "$health" in *'"cores":1.5,'*) ;; *) fail "admission does not see the container's CPU limit of 1.5 cores: $health";; esac
mem=$(printf '%s' "$health" | sed -E 's/.*"memoryHeadroomMb":([0-9]+).*/\1/')
[ "$mem" -le 3072 ] || fail "admission does not see the container's memory limit of 3 GB: $health"
for _ in $(seq 1 30); do
  state=$(docker inspect -f '{{.State.Health.Status}}' "$name")
  [ "$state" = healthy ] && break
  sleep 1
done
echo "docker HEALTHCHECK: $state" >&2
[ "$state" = healthy ] || fail "the image's HEALTHCHECK says $state"
# The container's health follows the recorder's: with its XMPP server gone past the grace
# (JIBRI_XMPP_UNREACHABLE_GRACE=3 s here) the recorder is UNHEALTHY, and so must the container turn,
# while the health endpoint still answers 200 (Jibri's contract). HTTP sessions go on being taken.
kill "$PROSODY_PID"
wait "$PROSODY_PID" 2>/dev/null || true
PROSODY_PID=
t_down=$(date +%s.%N)
for _ in $(seq 1 40); do
  state=$(docker inspect -f '{{.State.Health.Status}}' "$name")
  [ "$state" = unhealthy ] && break
  sleep 1
done
docker inspect -f '{{range .State.Health.Log}}{{.ExitCode}} {{.Output}}{{end}}' "$name" | tail -4 >&2
[ "$state" = unhealthy ] || fail "the recorder lost its XMPP server, but the image's HEALTHCHECK still says $state"
code=$(node -e 'fetch(process.argv[1]).then(async (r) => { const b = await r.json(); console.log(r.status, b.status.health.healthStatus); })' "http://127.0.0.1:$hport/jibri/api/v1.0/health")
printf 'Prosody stopped: docker HEALTHCHECK unhealthy after %.1f s; GET /health answers %s\n' "$(elapsed "$t_down")" "$code" >&2
[ "$code" = "200 UNHEALTHY" ] || fail "with its XMPP server gone the health endpoint answered $code, not 200 UNHEALTHY"
docker exec "$name" jibri-ts status >&2 || true
# A recording that is running when SIGTERM comes must be stopped and finalized before the service exits.
node -e 'require("./dist/lib/demo/server").startDemoServer().then((s) => { console.log(s.baseUrl); })' >"$WORK/page.url" &
PAGE_PID=$!
for _ in $(seq 1 50); do [ -s "$WORK/page.url" ] && break; sleep 0.1; done
page=$(cat "$WORK/page.url")
sid=sigterm-check-$$
node -e '
  const [api, sid, page] = process.argv.slice(1);
  (async () => {
    const r = await fetch(`${api}/startService`, { method: "POST", headers: { "content-type": "application/json" },
      // The page is not on the operator origin (PUBLIC_URL): the request brings its own call login.
      body: JSON.stringify({ sessionId: sid, callParams: { callUrlInfo: { baseUrl: page, callName: "sigterm" } },
        callLoginParams: { domain: "recorder.meet.check", username: "recorder", password: "recorder-check-pw" }, sinkType: "file" }) });
    if (r.status !== 200) throw new Error(`startService answered ${r.status}: ${await r.text()}`);
    for (let i = 0; i < 200; i++) {
      const h = await (await fetch(`${api}/health`)).json();
      if (h.status.health.details[`session:${sid}`]?.state === "recording") return;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error("the session never reached recording");
  })().catch((e) => { console.error(e.message); process.exit(1); });' "http://127.0.0.1:$hport/jibri/api/v1.0" "$sid" "$page" \
  || { docker logs "$name" 2>&1 | tail -20 >&2; fail "startService in the container"; }
sleep 3
# SIGTERM drains (lib/lifecycle.ts): the recording goes on and new sessions are refused; once the
# session is stopped, the file is finalized and the service exits 255 ("do not restart me").
t0=$(date +%s.%N)
docker kill --signal TERM "$name" >/dev/null
sleep 3
[ "$(docker inspect -f '{{.State.Running}}' "$name")" = true ] || { docker logs "$name" 2>&1 | tail -20 >&2; fail "the service exited on SIGTERM instead of draining"; }
draining=$(node -e 'fetch(process.argv[1]).then(async (r) => { const b = await r.json(); console.log(JSON.stringify({ busy: b.busy, refusal: b.status.health.details.capacity?.refusal })); })' \
  "http://127.0.0.1:$hport/jibri/api/v1.0/health")
echo "3 s after SIGTERM, still running: $draining" >&2
case "$draining" in *'"busy":true'*'shutting down'*) ;; *) fail "after SIGTERM the health endpoint says $draining, not busy and draining";; esac
node -e 'fetch(process.argv[1], { method: "POST" }).then((r) => { if (r.status !== 200) process.exit(1); })' "http://127.0.0.1:$hport/jibri/api/v1.0/stopService" \
  || fail "stopService during the drain"
code=$(timeout 120 docker wait "$name") || fail "the service did not exit within 120 s of its session's end"
kill "$PAGE_PID" 2>/dev/null || true
stop_seconds=$(elapsed "$t0")
printf 'SIGTERM, then stopService: exit code %s, %.1f s after SIGTERM\n' "$code" "$stop_seconds" >&2
log_line "$name" 'SIGTERM' || true
[ "$code" = 255 ] || { docker logs "$name" 2>&1 | tail -20 >&2; fail "the service exited $code after draining, not 255"; }
stopped=$(ls "$rec/$sid"/*.mp4 2>/dev/null | head -1)
[ -n "$stopped" ] && [ -f "$rec/$sid/metadata.json" ] || { ls -la "$rec/$sid" >&2 || true; fail "no finalized recording (mp4 and metadata.json) in $rec/$sid after the drain"; }
sigterm_summary=$(ffprobe -v error -show_entries stream=codec_name -show_entries format=duration -of csv=p=0 "$stopped" | paste -sd' ')
echo "recording finished during the drain: $(basename "$stopped") + metadata.json; ffprobe: $sigterm_summary" >&2
case "$sigterm_summary" in *h264*aac*|*aac*h264*) ;; *) fail "the recording finished during the drain is not H.264 + AAC";; esac

# --- 8. Jibri's wait_graceful_shutdown.sh inside the image -----------------------------------------------------------
say "wait_graceful_shutdown.sh in an idle container"
name=jibri-ts-check-scripts-$$
CONTAINERS+=("$name")
hport=$(free_port)
iport=$(free_port)
docker run -d --name "$name" "${HARDENED[@]}" -v "$storage:/storage" \
  -e JIBRI_HTTP_API_EXTERNAL_HOST=127.0.0.1 -e JIBRI_HTTP_API_EXTERNAL_PORT="$hport" -e JIBRI_HTTP_API_INTERNAL_PORT="$iport" \
  -e ENABLE_STATS_D=false "$IMAGE" >/dev/null
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$hport/jibri/api/v1.0/health" >/dev/null 2>&1 && break
  sleep 0.3
done
t0=$(date +%s.%N)
# The container ends with the service (exit 255), and the script with it unless it saw the exit first:
# either way it must have sent the shutdown and never have seen BUSY.
rc=0
docker exec "$name" /opt/jitsi/jibri/wait_graceful_shutdown.sh >"$WORK/wait.out" 2>&1 || rc=$?
script_seconds=$(elapsed "$t0")
cat "$WORK/wait.out" >&2
if [ "$rc" != 0 ] && [ "$rc" -lt 126 ]; then docker logs "$name" 2>&1 | tail -20 >&2; fail "wait_graceful_shutdown.sh in the container exited $rc"; fi
grep -q 'Graceful shutdown signal...sent' "$WORK/wait.out" || fail "wait_graceful_shutdown.sh did not send the graceful shutdown"
grep -q 'recording is in progress' "$WORK/wait.out" && fail "an idle recorder showed BUSY during its graceful shutdown"
code=$(timeout 60 docker wait "$name") || fail "the service did not exit after wait_graceful_shutdown.sh"
printf 'wait_graceful_shutdown.sh: %.1f s (exit %s), the service exited %s\n' "$script_seconds" "$rc" "$code" >&2
[ "$code" = 255 ] || fail "the service exited $code after the graceful shutdown, not 255"

# --- 9. each image carries only its program ------------------------------------------------------------------------
say "the recorder image has no fleet, the fleet image no recorder"
FLEET_ONLY=(dockerode docker-modem ssh2 cpu-features @kubernetes/client-node express-rate-limit @jibri-ts/fleet)
RECORDER_ONLY=(playwright playwright-core @aws-sdk/lib-storage fluent-ffmpeg hot-shots @pushcorn/hocon-parser)
# Every package folder of an image's node_modules (nested ones too), by name.
packages_of() {
  docker run --rm --entrypoint node "$1" -e '
    const fs = require("node:fs"); const path = require("node:path"); const out = new Set();
    const walk = (dir) => { for (const d of fs.readdirSync(dir)) {
      if (d.startsWith(".")) continue;
      if (d.startsWith("@")) { for (const s of fs.readdirSync(path.join(dir, d))) { out.add(`${d}/${s}`); const n = path.join(dir, d, s, "node_modules"); if (fs.existsSync(n)) walk(n); } continue; }
      out.add(d); const n = path.join(dir, d, "node_modules"); if (fs.existsSync(n)) walk(n);
    } };
    walk(process.argv[1]); console.log([...out].sort().join("\n"));' "$2"
}
packages_of "$IMAGE" /app/node_modules >"$WORK/recorder-packages.txt" || fail "listing the recorder image's node_modules"
for p in "${FLEET_ONLY[@]}"; do grep -qxF "$p" "$WORK/recorder-packages.txt" && fail "the recorder image carries the fleet's package $p"; done
grep -qxF @jibri-ts/common "$WORK/recorder-packages.txt" || fail "the recorder image lacks @jibri-ts/common"
grep -qxF @jibri-ts/rtmp "$WORK/recorder-packages.txt" || fail "the recorder image lacks @jibri-ts/rtmp"
docker run --rm --entrypoint sh "$IMAGE" -c 'test ! -e /app/packages/fleet && test ! -e /app/fleet' || fail "the recorder image carries the fleet's code"
set +e
docker run --rm "${HARDENED[@]}" "$IMAGE" fleet >"$WORK/no-fleet.out" 2>&1
no_fleet=$?
set -e
[ "$no_fleet" = 1 ] && grep -q 'the fleet is not installed here' "$WORK/no-fleet.out" || { cat "$WORK/no-fleet.out" >&2; fail "jibri-ts fleet in the recorder image did not refuse clearly (exit $no_fleet)"; }
echo "recorder image: $(wc -l <"$WORK/recorder-packages.txt") packages, none of the fleet's (${FLEET_ONLY[*]}); jibri-ts fleet: $(head -1 "$WORK/no-fleet.out" | cut -c1-80)..." >&2
packages_of "$FLEET_IMAGE" /app/node_modules >"$WORK/fleet-packages.txt" || fail "listing the fleet image's node_modules"
for p in "${RECORDER_ONLY[@]}"; do grep -qxF "$p" "$WORK/fleet-packages.txt" && fail "the fleet image carries the recorder's package $p"; done
docker run --rm --entrypoint sh "$FLEET_IMAGE" -c 'test ! -e /app/dist && ! command -v chromium && ! command -v ffmpeg' >/dev/null || fail "the fleet image carries the recorder"
echo "fleet image: $(wc -l <"$WORK/fleet-packages.txt") packages, none of the recorder's (${RECORDER_ONLY[*]})" >&2

# The two fleet images, hardened as compose runs them: health, then the admin command.
fleet_key=$(head -c 32 /dev/urandom | base64)
fleet_run() { # name image port [docker run options...] -- [command...]
  local name=$1 image=$2 port=$3; shift 3
  local opts=() data
  while [ "$#" -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  data=$WORK/$name-data
  mkdir -p "$data" && chown 1000:1000 "$data"
  CONTAINERS+=("$name")
  docker run -d --name "$name" "${HARDENED[@]}" -v "$data:/data" -e JIBRI_FLEET_PORT="$port" \
    -e JIBRI_FLEET_SECRET_KEY="$fleet_key" -e JIBRI_FLEET_CALLBACK_SECRET=check-callback-secret "${opts[@]}" "$image" "$@" >/dev/null
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && return 0
    [ "$(docker inspect -f '{{.State.Running}}' "$name")" = true ] || break
    sleep 0.3
  done
  docker logs "$name" 2>&1 | tail -20 >&2
  fail "the $image container's fleet API did not answer its health"
}
port=$(free_port)
name=jibri-ts-check-fleet-$$
# With a swarm location it makes its recorder CA at start (with the image's openssl), the key 0600.
fleet_run "$name" "$FLEET_IMAGE" "$port" -e JIBRI_FLEET_LOCATIONS=nyc=docker,fra=swarm --
ca_modes=$(docker exec "$name" stat -c '%a %n' /data/recorder-ca /data/recorder-ca/ca.key /data/recorder-ca/ca.pem) || fail "the fleet image made no recorder CA"
[ "$(printf '%s\n' "$ca_modes" | cut -d' ' -f1 | paste -sd' ')" = "700 600 644" ] || fail "the fleet image's recorder CA: $ca_modes (wanted the folder 700, the key 600)"
account=$(docker exec "$name" jibri-ts-fleet admin create-account check) || fail "jibri-ts-fleet admin in the fleet image"
node -e 'const a = JSON.parse(process.argv[1]); if (!a.accountId || !a.apiKey) process.exit(1)' "$account" || fail "jibri-ts-fleet admin create-account printed no account: $account"
echo "fleet image: serves its API (docker and swarm backends; its recorder CA made, key 0600) and jibri-ts-fleet admin creates accounts" >&2
docker rm -f "$name" >/dev/null
set +e
docker run --rm "${HARDENED[@]}" -e JIBRI_FLEET_SECRET_KEY="$fleet_key" -e JIBRI_FLEET_CALLBACK_SECRET=x "$FLEET_IMAGE" >"$WORK/fleet-local-refused.out" 2>&1
refused=$?
set -e
[ "$refused" = 1 ] && grep -q 'the local backend runs the recorder' "$WORK/fleet-local-refused.out" || { cat "$WORK/fleet-local-refused.out" >&2; fail "the fleet image did not refuse the local backend clearly (exit $refused)"; }
port=$(free_port)
name=jibri-ts-check-fleet-local-$$
# As uid 1000 it cannot give each recorder a uid: it refuses unless the operator accepts the risk by name.
set +e
docker run --rm "${HARDENED[@]}" -e JIBRI_FLEET_SECRET_KEY="$fleet_key" "$FLEET_LOCAL_IMAGE" fleet >"$WORK/fleet-local-shared-uid.out" 2>&1
refused=$?
set -e
[ "$refused" = 1 ] && grep -q 'JIBRI_FLEET_ALLOW_RECORDERS_TO_READ_FLEET_SECRETS=true' "$WORK/fleet-local-shared-uid.out" || { cat "$WORK/fleet-local-shared-uid.out" >&2; fail "the fleet-local image did not refuse recorders under its own uid clearly (exit $refused)"; }
fleet_run "$name" "$FLEET_LOCAL_IMAGE" "$port" -e JIBRI_FLEET_RECORDERS_DIR=/data/recorders -e JIBRI_FLEET_ALLOW_RECORDERS_TO_READ_FLEET_SECRETS=true --
for admin in "jibri-ts-fleet admin" "node /app/dist/lib/main.js fleet admin"; do
  # shellcheck disable=SC2086 # the admin command is words on purpose
  account=$(docker exec "$name" $admin create-account check) || fail "$admin in the fleet-local image"
  node -e 'const a = JSON.parse(process.argv[1]); if (!a.accountId || !a.apiKey) process.exit(1)' "$account" || fail "$admin create-account printed no account: $account"
done
echo "fleet-local image: serves its API (local backend); jibri-ts-fleet admin and node /app/dist/lib/main.js fleet admin create accounts" >&2
docker rm -f "$name" >/dev/null

# --- 10. docker compose build -------------------------------------------------------------------------------------------
# As a user beside docker-jitsi-meet: its base file, its .env style, the jibri-fleet profile. The build
# context is this checkout (the .env's JIBRI_TS_SOURCE); the images get names of their own here, so that
# an uncommitted change built by compose never replaces the images checked above.
say "docker compose build"
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
compose_args=(--build-arg "NPM_REGISTRY=$(npm config get registry)")
ca=$(node scripts/npm-extra-ca.js)
[ -z "$ca" ] || compose_args+=(--build-arg "NPM_CA=$ca")
t0=$(date +%s.%N)
JIBRI_TS_IMAGE=jibri-ts-compose-check:$$ JIBRI_TS_FLEET_IMAGE=jibri-ts-fleet-local-compose-check:$$ DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0 \
  "${compose[@]}" --env-file deploy/compose/docker-jitsi-meet.env -f deploy/compose/docker-jitsi-meet-base.yml -f docker-compose.yml \
  --profile fleet build "${compose_args[@]}" jibri jibri-fleet >"$WORK/compose-build.log" 2>&1 || { tail -30 "$WORK/compose-build.log" >&2; fail "${compose[*]} build"; }
compose_seconds=$(elapsed "$t0")
for i in jibri-ts-compose-check:$$ jibri-ts-fleet-local-compose-check:$$; do
  docker image inspect "$i" >/dev/null 2>&1 || fail "${compose[*]} build made no image $i"
  docker rmi "$i" >/dev/null 2>&1 || true
done
echo "${compose[*]} build: jibri and jibri-fleet built in $compose_seconds s" >&2

# --- 11. the image sizes ---------------------------------------------------------------------------------------------
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
say "container-check: OK"
built=
[ "$phase" = checks ] || built=$(printf '; build %.1f s' "$build_seconds")
printf 'image %s: %.0f MB (%s bytes)%s; recording: %s\n' "$IMAGE" "$(awk -v s="$size" 'BEGIN { print s / 1e6 }')" "$size" "$built" "$summary"
for i in "$FLEET_IMAGE" "$FLEET_LOCAL_IMAGE"; do
  printf 'image %s: %.0f MB\n' "$i" "$(awk -v s="$(docker image inspect -f '{{.Size}}' "$i")" 'BEGIN { print s / 1e6 }')"
done
