# Sourced by the ops scripts beside it (written for jibri-ts; they keep the interface of Jibri's Debian
# scripts of the same names). setting NAME DEFAULT prints the value the service uses for a setting:
# the environment's, else jibri.conf's (the service's own reader, `jibri-ts config get`), else DEFAULT.
# Jibri's scripts read the port with `hocon -f /etc/jitsi/jibri/jibri.conf get ...`; jibri-ts also
# honours the environment, so the scripts ask the service's configuration reader instead.

jibri_ts_main() {
  local here candidate
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  for candidate in "${JIBRI_TS_MAIN:-}" /app/dist/lib/main.js /opt/jibri-ts/dist/lib/main.js "$here/../../dist/lib/main.js"; do
    if [ -n "$candidate" ] && [ -f "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

setting() {
  local name=$1 default=$2 value main
  value=${!name:-}
  if [ -z "$value" ] && main=$(jibri_ts_main); then
    value=$(node "$main" config get "$name" 2>/dev/null || true)
  fi
  echo "${value:-$default}"
}
