#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs docker.io when missing (root only) and starts
# `dockerd --iptables=false --bridge=none` in the background when none runs (this machine has no bridge
# network; containers use host networking). The engine outlives the caller, so later steps of a run reuse
# it; its pid goes to /run/jibri-ts-dockerd.pid, so that `npm test` stops the engine it started (scripts/test.sh).
set -euo pipefail
if ! command -v dockerd >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "dockerd.sh: docker.io is missing; run as root or: sudo apt-get install docker.io" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null; }
fi
if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "dockerd.sh: no Docker engine answers, and starting one needs root" >&2; exit 1; }
  echo "starting dockerd (--iptables=false --bridge=none), log in /var/log/jibri-ts-dockerd.log" >&2
  setsid dockerd --iptables=false --bridge=none >/var/log/jibri-ts-dockerd.log 2>&1 < /dev/null &
  echo $! >/run/jibri-ts-dockerd.pid
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "dockerd.sh: dockerd did not come up; see /var/log/jibri-ts-dockerd.log" >&2; exit 1; }
fi
