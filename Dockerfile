# jibri-ts image, built from the repository alone:
#
#   docker build -t jibri-ts .
#
# Stages: `deps` (npm ci of the lock), `build` (the TypeScript build), `prod-deps` (the production packages
# only) and `recorder`, the runtime image and the default target (the last stage). Each runtime target
# takes node from the Node image and its own files from the stages above, so another one (`fleet`) sits
# beside `recorder` with `--target`. docs/DEPLOY.md has the details; the build needs the npm registry and
# Debian's mirrors, nothing else.
#
# Build arguments, for a machine that reaches the npm registry differently (all optional):
#   NPM_REGISTRY  the registry or mirror `npm ci` uses (default: npm's own)
#   NPM_CA        extra PEM certificates to trust for it (a TLS-inspecting proxy's CA); used by the
#                 `deps` stage only, never part of the runtime image
#   HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as Docker predefines them.
#
# The recorder runs as uid 1000 on a read-only root file system; only /tmp (tmpfs, exec) and the /storage
# volume (recordings; an older deployment's /config/recordings volume is still used when /storage is not
# mounted) need to be writable. No capabilities, devices or kernel modules: audio is a user-land
# PulseAudio null sink, and the service starts Chromium with --no-sandbox and --disable-dev-shm-usage
# (lib/pipeline/browser/browser.ts), so the default 64 MB /dev/shm is enough.

# --- deps: the locked packages, development ones included ------------------------------------------------
FROM node:20-bookworm-slim AS deps
# better-sqlite3 and cpu-features compile from source when their prebuilt binaries cannot be fetched;
# node-gyp then takes Node's headers from the image (npm_config_nodedir) instead of downloading them.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends g++ make python3; \
    rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false
WORKDIR /src
COPY package.json package-lock.json ./
ARG NPM_REGISTRY=https://registry.npmjs.org/
ARG NPM_CA=
RUN set -eu; \
    if [ -n "$NPM_CA" ]; then printf '%s\n' "$NPM_CA" >/tmp/npm-ca.pem; export NODE_EXTRA_CA_CERTS=/tmp/npm-ca.pem; fi; \
    npm ci --registry "$NPM_REGISTRY" --no-audit --no-fund --loglevel=error; \
    rm -f /tmp/npm-ca.pem

# --- build: the service's JavaScript ---------------------------------------------------------------------
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY lib lib
COPY packages packages
RUN npx tsc -p tsconfig.build.json

# --- prod-deps: the production packages, without what the runtime never reads -----------------------------
FROM deps AS prod-deps
COPY deploy/docker/slim-node-modules.sh /usr/local/bin/
RUN set -eu; \
    npm prune --omit=dev --no-audit --no-fund --loglevel=error; \
    slim-node-modules.sh node_modules

# --- recorder: the runtime image (default target) --------------------------------------------------------
FROM debian:bookworm-slim AS recorder
# Files the recorder never reads are never unpacked: documentation, man pages, translations, Chromium's
# other UI languages (deploy/docker/dpkg-slim.cfg).
COPY deploy/docker/dpkg-slim.cfg /etc/dpkg/dpkg.cfg.d/jibri-ts-slim
RUN set -eux; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        chromium \
        curl \
        ffmpeg \
        fonts-dejavu-core \
        fonts-noto-cjk \
        fonts-noto-color-emoji \
        jq \
        pulseaudio \
        xvfb \
    ; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log /var/cache/debconf/*-old; \
    useradd --uid 1000 --user-group --no-create-home --home-dir /tmp/jibri --shell /usr/sbin/nologin jibri; \
    # docker-jitsi-meet's layout: /config (read) and /storage (recordings in /storage/recordings).
    mkdir -p /config /storage/recordings; \
    chown 1000:1000 /storage /storage/recordings

COPY --from=deps /usr/local/bin/node /usr/local/bin/node
COPY --from=prod-deps /src/package.json /app/package.json
COPY --from=prod-deps /src/node_modules /app/node_modules
COPY --from=build /src/dist /app/dist
COPY deploy/docker/entrypoint.sh deploy/docker/healthcheck.js deploy/docker/prestop.js /app/
# jibri-ts's own ops scripts at Jibri's paths (graceful_shutdown.sh, wait_graceful_shutdown.sh, reload.sh,
# shutdown.sh; they need curl and jq), for the autoscaler and for `docker exec`.
COPY deploy/jibri/ /opt/jitsi/jibri/

# HOME and XDG_RUNTIME_DIR live on the /tmp tmpfs (the entrypoint creates them): PulseAudio keeps its
# socket and cookie there, Chromium its profile. The HTTP API listens on the container's loopback (the
# health check and preStop hook use it there); to reach it from elsewhere set
# JIBRI_HTTP_API_EXTERNAL_HOST=0.0.0.0 together with JIBRI_HTTP_API_TOKEN: without a token the service
# refuses to start on a non-loopback address. No token is built in.
ENV HOME=/tmp/jibri \
    XDG_RUNTIME_DIR=/tmp/jibri/run \
    NODE_ENV=production \
    JIBRI_HTTP_API_EXTERNAL_HOST=127.0.0.1 \
    JIBRI_HTTP_API_EXTERNAL_PORT=2222

USER 1000:1000
WORKDIR /app
EXPOSE 2222

# The health endpoint always answers 200 while the service runs (busy or not); a failed machine check shows
# in its body, not in its status, exactly as with Jibri.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/healthcheck.js"]

# SIGTERM (docker stop, Kubernetes) drains: no new session; the running one goes on to its end and is
# finalized, then the service exits 255 (lib/lifecycle.ts).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["serve"]
