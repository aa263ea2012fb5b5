# Sourced by the ops scripts beside it (written for jibri-ts; they keep the interface of Jibri's Debian
# scripts of the same names). setting NAME DEFAULT prints the value the service uses for a setting:
# the environment's, else jibri.conf's (the service's own reader, `jibri-ts config get`), else DEFAULT.
# Jibri's scripts read the port with `hocon -f /etc/jitsi/jibri/jibri.conf get ...`; jibri-ts also
# honours the environment, so the scripts ask the service's configuration reader instead.

# The service's configuration reader: the `jibri-ts` program (the Debian package's /usr/bin/jibri-ts, the
# image's), else main.js run with node (a checkout).
jibri_ts_config_get() {
  local here candidate
  if [ -z "${JIBRI_TS_MAIN:-}" ] && command -v jibri-ts >/dev/null 2>&1; then
    jibri-ts config get "$1"
    return
  fi
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  for candidate in "${JIBRI_TS_MAIN:-}" /app/dist/lib/main.js "$here/../../dist/lib/main.js"; do
    if [ -n "$candidate" ] && [ -f "$candidate" ]; then node "$candidate" config get "$1"; return; fi
  done
  return 1
}

setting() {
  local name=$1 default=$2 value
  value=${!name:-}
  if [ -z "$value" ]; then
    value=$(jibri_ts_config_get "$name" 2>/dev/null || true)
  fi
  echo "${value:-$default}"
}
