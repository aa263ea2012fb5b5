#!/usr/bin/env bash
# `npm test` (and CI's .ci/run): everything, in this order, stopping at the first failure:
#   1. scripts/setup.sh test (the Debian packages the tests use, with no service started or stopped; the
#      Node.js of .node-version, npm ci, build), then a check that it changed no tracked file: on a fresh
#      clone, `npm ci` must leave `git status` clean; every later step runs on that Node.js, which must
#      satisfy package.json's engines;
#   2. scripts/lock-check.sh: npm 10 and npm 11 both accept the lock for `npm ci`;
#   3. side by side, each one's output printed whole once both ended:
#      lint (eslint) and the type checks the build of step 1 did not do (the packages' specs:
#      scripts/typecheck.js --after-build says why that is all) side by side, then the layering rule of
#      docs/ARCHITECTURE.md (scripts/layers.js) and the size limits (scripts/sizes.js);
#      `scripts/container-check.sh images`: base images, the Dockerfile's three images (recorder, fleet,
#      fleet-local) built from a fresh clone of HEAD (the fleet's docker spec later uses the recorder image);
#   4. side by side, each one's output printed whole once both ended:
#      `scripts/container-check.sh checks`: the hardened containers checked for real, each image's
#      packages, and `docker compose build`;
#      scripts/package-check.sh: the Debian package built from the recorder image, installed over a Jibri
#      stand-in, recording as a systemd service, restarted, upgraded, removed and purged in a Debian
#      container booted with systemd; and npm run demo, npm start and the test setup on a host whose
#      Prosody and nginx run, which must leave them running;
#   5. the jest suite, in two steps (arguments go to jest; see below).
# Prints how long each step took.
set -euo pipefail
cd "$(dirname "$0")/.."
export IMAGE=${IMAGE:-jibri-ts:local}

steps=()
# Lines a step adds under its own in the summary (the times of what ran side by side in it).
step_details=()
t_all=$(date +%s)
step() {
  local name=$1 t0
  shift
  t0=$(date +%s)
  step_details=()
  printf '\n=== npm test: %s\n' "$name" >&2
  "$@"
  steps+=("$(printf '%-18s %4d s' "$name" "$(($(date +%s) - t0))")" ${step_details[@]+"${step_details[@]}"})
}
# Logs of what runs side by side, and the jobs that do: stopped if the run ends before they do.
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/jibri-ts-test-XXXXXX")
bg_pids=()
stop_jobs() {
  local pid
  for pid in ${bg_pids[@]+"${bg_pids[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
  rm -rf "$run_dir"
}
# A Docker engine that this run starts (scripts/dockerd.sh, for the images and the fleet's specs) is
# stopped at the end, pass or fail; one that was running before is left alone.
engine_before=no
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then engine_before=yes; fi
stop_engine() {
  [ "$engine_before" = no ] && [ -f /run/jibri-ts-dockerd.pid ] || return 0
  local pid
  pid=$(cat /run/jibri-ts-dockerd.pid)
  rm -f /run/jibri-ts-dockerd.pid
  # Only that engine: a pid file left by one that died may name another process by now.
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || return 0
  echo "npm test: stopping the Docker engine it started (pid $pid)" >&2
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
}
trap 'stop_jobs; stop_engine' EXIT

tree_state() { { git status --porcelain; git diff; } 2>/dev/null | sha256sum; }

check_setup() {
  local before after
  before=$(tree_state)
  bash scripts/setup.sh test
  after=$(tree_state)
  if [ "$before" != "$after" ]; then
    git status --short >&2
    echo "npm test: FAILED: scripts/setup.sh changed tracked files (see above); it must never do that" >&2
    return 1
  fi
}

step setup check_setup
# The rest runs on the project's Node.js (the machine's, or the one setup unpacked into .node/).
. scripts/node-env.sh
node -e '
  // engines is "^N": the major version the tests, the image and the Debian package all run on.
  const want = require("./package.json").engines.node;
  if (want !== `^${process.versions.node.split(".")[0]}`) { console.error(`npm test: FAILED: Node.js ${process.version} does not satisfy engines ${want}`); process.exit(1); }
  console.error(`npm test: Node.js ${process.version} (engines ${want}), npm ${require("child_process").execSync("npm --version").toString().trim()}`);'
step lock-check bash scripts/lock-check.sh
# eslint and the type checks each keep one core busy: side by side, the type checks' output after eslint's.
static_checks() {
  local types_log types_pid failed=0
  types_log=$(mktemp)
  node scripts/typecheck.js --after-build >"$types_log" 2>&1 &
  types_pid=$!
  npx eslint . || failed=1
  wait "$types_pid" || failed=1
  cat "$types_log" >&2
  rm -f "$types_log"
  node scripts/layers.js || failed=1
  node scripts/sizes.js || failed=1
  return "$failed"
}
# Side by side: NAME COMMAND... [-- NAME COMMAND...]. Each command's output goes to its own log, printed
# whole once all have ended; each one's time goes under the step's in the summary; fails when any failed.
beside() {
  local name cmd=() names=() pids=() left=() t0 pid rc i failed=()
  local -A seconds=() code=()
  t0=$(date +%s)
  while [ "$#" -gt 0 ]; do
    name=$1
    shift
    cmd=()
    while [ "$#" -gt 0 ] && [ "$1" != -- ]; do cmd+=("$1"); shift; done
    [ "$#" -eq 0 ] || shift
    "${cmd[@]}" >"$run_dir/$name.log" 2>&1 &
    names+=("$name")
    pids+=("$!")
    bg_pids+=("$!")
  done
  left=("${pids[@]}")
  while [ "${#left[@]}" -gt 0 ]; do
    rc=0
    pid=
    wait -n -p pid "${left[@]}" || rc=$?
    [ -n "$pid" ] || { echo "npm test: lost track of ${names[*]}" >&2; return 1; }
    for i in "${!pids[@]}"; do
      [ "${pids[$i]}" = "$pid" ] || continue
      seconds[${names[$i]}]=$(($(date +%s) - t0))
      code[${names[$i]}]=$rc
    done
    for i in "${!left[@]}"; do [ "${left[$i]}" != "$pid" ] || unset 'left[i]'; done
  done
  for name in "${names[@]}"; do
    printf '\n=== npm test: %s (side by side with the rest of this step), %s after %d s\n' "$name" \
      "$([ "${code[$name]}" = 0 ] && echo passed || echo "FAILED (exit ${code[$name]})")" "${seconds[$name]}" >&2
    cat "$run_dir/$name.log" >&2
    step_details+=("$(printf '  %-16s %4d s' "$name" "${seconds[$name]}")")
    [ "${code[$name]}" = 0 ] || failed+=("$name")
  done
  [ "${#failed[@]}" -eq 0 ] || { echo "npm test: FAILED: ${failed[*]} (see above)" >&2; return 1; }
}
# The images wait for nothing the static checks do, and the static checks leave a core idle once the type
# checks are done (eslint runs longer): the image build (the Dockerfile's own tsc at each commit) goes there.
step lint+types+images beside lint+types static_checks -- images bash scripts/container-check.sh images
# What the two below share, and why they cannot collide: container-check's containers use the host's
# network, with ports picked free (its Prosody's, the APIs', the fleets') and names of their own
# (jibri-ts-check-*-PID); package-check's are booted with --network none (their Prosody, nginx and the
# service on their own loopback) and named jibri-ts-package-*-PID. Neither makes a Docker network. Each
# has its own temp folder (mktemp). The images: container-check only reads the three built above and builds
# compose's under names of its own; package-check builds its own two (runtime-packages, package-host) and
# reads the recorder image. The checkout: both read dist/ and node_modules/, which the setup step built
# (package-check's setup.sh build finds nothing to do). The Docker engine is the one `images` made sure of.
step container+package beside container-check bash scripts/container-check.sh checks -- package-check bash scripts/package-check.sh
# The jest suite in its three lanes (jest.config.js): `shared` two spec files at a time with `serial` beside
# it (one file at a time; its output kept and printed after), then `alone` by itself. The run's shared servers are named here
# and stopped by this script: one S3 server (and one s3rver), started by the first spec that uploads (their
# watchdogs follow this shell too), and the PulseAudio server when none ran before.
export JIBRI_TS_S3_PARENT=$$ JIBRI_TS_RUN_SERVERS=script
JIBRI_TS_S3_DIR=$(mktemp -d "${TMPDIR:-/tmp}/jibri-ts-s3-XXXXXX")/cluster
JIBRI_TS_S3RVER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/jibri-ts-s3rver-XXXXXX")/server
export JIBRI_TS_S3_DIR JIBRI_TS_S3RVER_DIR
# The run's port reservations (testkit/ports.ts), shared by the lanes' processes.
JIBRI_TS_PORTS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/jibri-ts-ports-XXXXXX")
export JIBRI_TS_PORTS_DIR
if pactl info >/dev/null 2>&1; then export JIBRI_TS_PULSE_BEFORE=yes; else export JIBRI_TS_PULSE_BEFORE=no; fi
stop_run_servers() {
  node -e 'Promise.all([require("./dist/testkit/s3").stopS3(process.argv[1]), require("./dist/testkit/s3rver").stopS3rver(process.argv[2])]).catch(() => {})' \
    "$JIBRI_TS_S3_DIR" "$JIBRI_TS_S3RVER_DIR" 2>/dev/null || true
  rm -rf "$(dirname "$JIBRI_TS_S3_DIR")" "$(dirname "$JIBRI_TS_S3RVER_DIR")" "$JIBRI_TS_PORTS_DIR"
  if [ "$JIBRI_TS_PULSE_BEFORE" = no ]; then pulseaudio --kill >/dev/null 2>&1 || true; fi
}
trap 'stop_run_servers; stop_jobs; stop_engine' EXIT
jest_failed=()
lane() {
  local name=$1
  shift
  env JIBRI_FLEET_DOCKER_IMAGE="$IMAGE" npx jest --selectProjects "$name" --passWithNoTests "$@"
}
side_by_side() {
  local serial_pid
  lane serial --maxWorkers=1 "$@" >"$run_dir/serial.log" 2>&1 &
  serial_pid=$!
  lane shared --maxWorkers=2 "$@" || jest_failed+=(shared)
  wait "$serial_pid" || jest_failed+=(serial)
  printf '\n=== npm test: the serial lane (it ran beside the shared one)\n' >&2
  cat "$run_dir/serial.log" >&2
}
alone() { lane alone --maxWorkers=1 "$@" || jest_failed+=(alone); }
step jest-shared+serial side_by_side "$@"
step jest-alone alone "$@"
if [ "${#jest_failed[@]}" -gt 0 ]; then
  printf '  %s\n' "${steps[@]}" >&2
  echo "npm test: FAILED: the jest lanes ${jest_failed[*]} (see their summaries above)" >&2
  exit 1
fi

printf '\n=== npm test: passed in %d s\n' "$(($(date +%s) - t_all))" >&2
printf '  %s\n' "${steps[@]}" >&2
