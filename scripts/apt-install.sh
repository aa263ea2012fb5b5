#!/usr/bin/env bash
# Installs the Debian packages named on the command line that are not installed yet, and nothing else;
# prints what it installed. Used by the demo and test setup (scripts/setup.sh) and the test scripts
# (container-check, dockerd, s3-server, base-images). Never by the service itself.
#
# No service is started, stopped, restarted or disabled: while apt runs, a policy-rc.d that denies every
# service action (Debian's mechanism, honoured by invoke-rc.d and deb-systemd-invoke) keeps the packages'
# maintainer scripts from starting what they bring (a packaged Prosody, nginx, Prometheus, Docker or
# Ceph). A service that already runs on this machine, a Jitsi host's Prosody and nginx among them, is
# never touched, not even reloaded when a module package is added beside it. The tests start their own
# servers, on their own configurations and ports.
#
# Usage: apt-install.sh [--why TEXT] PACKAGE...   (root; otherwise it says which sudo command to run)
set -euo pipefail

why=
if [ "${1:-}" = --why ]; then why=$2; shift 2; fi
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages${why:+ ($why)}: ${missing[*]}; run as root or: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

# One install at a time on this machine: the policy file below is shared.
exec 9>/tmp/jibri-ts-apt.lock
flock 9

policy=/usr/sbin/policy-rc.d
ours=no
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# jibri-ts apt-install.sh: no service starts while it installs packages (removed after)\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  ours=yes
fi
cleanup() { if [ "$ours" = yes ] && grep -q 'jibri-ts apt-install.sh' "$policy" 2>/dev/null; then rm -f "$policy"; fi; }
trap cleanup EXIT

echo "installing Debian packages${why:+ ($why)}: ${missing[*]} (no service is started)" >&2
export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -y -qq -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"; }
# The package lists first only when the install needs them (a fresh machine has none).
if ! apt_get install --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  apt_get update >/dev/null
  apt_get install --no-install-recommends "${missing[@]}" >/dev/null
fi
