#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs docker.io when missing (root only) and starts
# `dockerd --iptables=false --bridge=none` in the background when none runs (this machine has no bridge
# network; containers use host networking). The engine outlives the caller, so later steps of a run reuse
# it; its pid goes to /run/jibri-ts-dockerd.pid, so that `npm test` stops the engine it started (scripts/test.sh).
set -euo pipefail
if ! command -v dockerd >/dev/null 2>&1; then
  bash "$(dirname "$0")/apt-install.sh" --why "a Docker engine for the image checks" docker.io
fi
if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "dockerd.sh: no Docker engine answers, and starting one needs root" >&2; exit 1; }
  echo "starting dockerd (--iptables=false --bridge=none), log in /var/log/jibri-ts-dockerd.log" >&2
  # Without the caller's other open files: a `flock /tmp/jibri-ts-stack.lock ...` around the caller
  # passes the lock's descriptor down, and an engine that outlives the caller would hold the lock for as
  # long as it runs, keeping every other stack run waiting.
  setsid bash -c 'for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done; exec dockerd --iptables=false --bridge=none' \
    >/var/log/jibri-ts-dockerd.log 2>&1 </dev/null &
  echo $! >/run/jibri-ts-dockerd.pid
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "dockerd.sh: dockerd did not come up; see /var/log/jibri-ts-dockerd.log" >&2; exit 1; }
fi
