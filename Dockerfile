# jibri-ts images, built from the repository alone:
#
#   docker build -t jibri-ts .                                   the recorder (the default target)
#   docker build --target fleet -t jibri-ts-fleet .              the fleet alone (docker, kubernetes backends)
#   docker build --target fleet-local -t jibri-ts-fleet-local .  the fleet with the recorder, for its local backend
#
# Stages: `deps` (npm ci of the lock, every workspace), `build` (the TypeScript build of the four packages:
# packages/common, packages/rtmp, packages/fleet and the recorder at the top), `prod-deps` and `fleet-deps` (each program's
# production packages only: the recorder's have none of the fleet's SQLite, Docker and Kubernetes clients,
# the fleet's none of Playwright or ffmpeg's wrapper), `fleet-app` (the fleet's files), then the
# runtime images: `recorder-image`, `fleet`, `fleet-local` and, last so that it is the default target,
# `recorder`. Each runtime image takes node from the Node image and its own files from the stages above.
# docs/DEPLOY.md and docs/FLEET.md have the details; the build needs the npm registry and Debian's mirrors,
# nothing else.
#
# Each runtime image carries the OCI labels title, description and licenses; scripts/image-build.sh (and so
# scripts/release.sh) adds version, revision and source with `docker build --label`, which leaves every
# cached step cached (a build argument that changes with each commit would rebuild the npm install).
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
FROM node:24-bookworm-slim AS deps
# No compiler: no package needs one (the fleet's SQLite is Node's own node:sqlite). The optional native
# parts some packages try to build (ssh2's crypto binding, cpu-features, unix-dgram) are skipped, as
# their packages expect when a build is not possible; node-gyp takes Node's headers from the image
# (npm_config_nodedir) rather than downloading them while it tries.
ENV npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages/common/package.json packages/common/
COPY packages/rtmp/package.json packages/rtmp/
COPY packages/fleet/package.json packages/fleet/
ARG NPM_REGISTRY=https://registry.npmjs.org/
ARG NPM_CA=
RUN set -eu; \
    if [ -n "$NPM_CA" ]; then printf '%s\n' "$NPM_CA" >/tmp/npm-ca.pem; export NODE_EXTRA_CA_CERTS=/tmp/npm-ca.pem; fi; \
    npm ci --registry "$NPM_REGISTRY" --no-audit --no-fund --loglevel=error; \
    rm -f /tmp/npm-ca.pem

# --- build: the service's JavaScript ---------------------------------------------------------------------
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY packages packages
COPY lib lib
# The shared packages first: the fleet and the recorder compile against their declarations.
RUN set -eu; \
    npx tsc -p packages/common; \
    npx tsc -p packages/rtmp; \
    npx tsc -p packages/fleet; \
    chmod +x packages/fleet/dist/main.js; \
    npx tsc -p tsconfig.build.json; \
    chmod +x dist/lib/main.js

# --- prod-deps: the recorder's production packages (the top package, packages/common and packages/rtmp), without what the
# runtime never reads. `npm prune` cannot leave a workspace out, so this is a second `npm ci` of the same
# lock, offline: every package is in npm's cache from the `deps` stage. ---------------------------------
FROM deps AS prod-deps
COPY deploy/docker/slim-node-modules.sh deploy/docker/without-dev-deps.js /usr/local/bin/
# Without the root's devDependencies (without-dev-deps.js says why), restored after the install.
RUN set -eu; \
    cp package.json /tmp/package.json; cp package-lock.json /tmp/package-lock.json; \
    node /usr/local/bin/without-dev-deps.js; \
    npm ci --offline --omit=dev --include-workspace-root --workspace packages/common --workspace packages/rtmp --no-audit --no-fund --loglevel=error; \
    mv /tmp/package.json /tmp/package-lock.json .; \
    slim-node-modules.sh node_modules

# --- fleet-deps: the fleet's production packages (packages/fleet and packages/common) ---------------------
FROM deps AS fleet-deps
COPY deploy/docker/slim-node-modules.sh /usr/local/bin/
RUN set -eu; \
    npm ci --offline --omit=dev --workspace packages/fleet --no-audit --no-fund --loglevel=error; \
    slim-node-modules.sh node_modules

# --- fleet-app: the fleet as installed under /app (node_modules links @jibri-ts/* to packages/*) ------------
FROM scratch AS fleet-app
COPY --from=fleet-deps /src/node_modules /app/node_modules
COPY --from=build /src/packages/common/package.json /app/packages/common/package.json
COPY --from=build /src/packages/common/dist /app/packages/common/dist
COPY --from=build /src/packages/fleet/package.json /app/packages/fleet/package.json
COPY --from=build /src/packages/fleet/dist /app/packages/fleet/dist

# --- runtime-packages: Debian with the programs the recorder runs (Chromium, ffmpeg, Xvfb, PulseAudio, fonts;
# curl and jq for the ops scripts). The recorder image is built on it, and so is the container in which
# scripts/package-check.sh installs the Debian package (the package's dependencies are these). -------------
FROM debian:bookworm-slim AS runtime-packages
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
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log /var/cache/debconf/*-old

# --- recorder-image: the recorder's runtime image (the `recorder` target, the default, is this image) -------
FROM runtime-packages AS recorder-image
RUN set -eux; \
    useradd --uid 1000 --user-group --no-create-home --home-dir /tmp/jibri --shell /usr/sbin/nologin jibri; \
    # docker-jitsi-meet's layout: /config (read) and /storage (recordings in /storage/recordings).
    mkdir -p /config /storage/recordings; \
    chown 1000:1000 /storage /storage/recordings

COPY --from=deps /usr/local/bin/node /usr/local/bin/node
COPY --from=prod-deps /src/package.json /app/package.json
COPY --from=prod-deps /src/node_modules /app/node_modules
COPY --from=build /src/packages/common/package.json /app/packages/common/package.json
COPY --from=build /src/packages/common/dist /app/packages/common/dist
COPY --from=build /src/packages/rtmp/package.json /app/packages/rtmp/package.json
COPY --from=build /src/packages/rtmp/dist /app/packages/rtmp/dist
COPY --from=build /src/dist/lib /app/dist/lib
COPY deploy/docker/entrypoint.sh deploy/docker/own-api.js deploy/docker/prestop.js /app/
# jibri-ts's own ops scripts at Jibri's paths (graceful_shutdown.sh, wait_graceful_shutdown.sh, reload.sh,
# shutdown.sh; they need curl and jq), for the autoscaler and for `docker exec`; `jibri-ts` on PATH
# (`docker exec <container> jibri-ts status`).
COPY deploy/jibri/ /opt/jitsi/jibri/
RUN ln -s /app/dist/lib/main.js /usr/local/bin/jibri-ts

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
LABEL org.opencontainers.image.title="jibri-ts" \
      org.opencontainers.image.description="Jibri drop-in recorder and live-streamer for Jitsi Meet" \
      org.opencontainers.image.licenses="Apache-2.0"

# The container is healthy when the recorder is: `jibri-ts status --check` reads the health endpoint and
# fails when it does not answer or says UNHEALTHY (a missing program, a recordings folder that is not
# writable or nearly full, an XMPP server out of reach too long). The endpoint itself answers 200 either
# way, as Jibri's does; that is the HTTP API's contract, this is the container's.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["jibri-ts", "status", "--check"]

# SIGTERM (docker stop, Kubernetes) drains: no new session; the running one goes on to its end and is
# finalized, then the service exits 255 (lib/lifecycle.ts).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["serve"]

# --- fleet: the fleet server alone (its docker and kubernetes backends start recorders from the recorder
# image; its local backend needs a recorder beside it, which `fleet-local` has) --------------------------------
FROM debian:bookworm-slim AS fleet
# openssl: the fleet's own CA issues each swarm and kubernetes recorder its certificate with it (docs/FLEET.md).
RUN set -eux; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends openssl; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log /var/cache/debconf/*-old; \
    useradd --uid 1000 --user-group --no-create-home --home-dir /data --shell /usr/sbin/nologin jibri; \
    mkdir -p /data; \
    chown 1000:1000 /data
COPY --from=deps /usr/local/bin/node /usr/local/bin/node
COPY --from=fleet-app /app /app
RUN ln -s /app/packages/fleet/dist/main.js /usr/local/bin/jibri-ts-fleet
# The database and the recorders' folders on the /data volume (the root file system may be read-only). The
# API listens on the container's loopback until JIBRI_FLEET_HOST says otherwise (compose sets 0.0.0.0).
ENV NODE_ENV=production \
    JIBRI_FLEET_DATA_DIR=/data \
    JIBRI_FLEET_RECORDERS_DIR=/data/recorders
USER 1000:1000
WORKDIR /data
EXPOSE 3000
LABEL org.opencontainers.image.title="jibri-ts-fleet" \
      org.opencontainers.image.description="jibri-ts on-demand recorder fleet: JOD API and dashboard (docker, swarm, kubernetes backends)" \
      org.opencontainers.image.licenses="Apache-2.0"
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.JIBRI_FLEET_PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM stops the fleet; the recorders it started keep running and are found again at its next start.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/packages/fleet/dist/main.js"]

# --- fleet-local: the recorder image with the fleet beside it (/app/fleet), for the local backend (recorders
# as processes in the fleet's own container; docker-compose.yml's jibri-fleet service) ---------------------------
FROM recorder-image AS fleet-local
COPY --from=fleet-app /app /app/fleet
USER root
# openssl for the fleet's recorder CA, as in the fleet image (its swarm and kubernetes locations need it).
RUN set -eux; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends openssl; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log /var/cache/debconf/*-old; \
    ln -s /app/fleet/packages/fleet/dist/main.js /usr/local/bin/jibri-ts-fleet
USER 1000:1000
# NODE_PATH: `node /app/dist/lib/main.js fleet ...` (the recorder's `jibri-ts fleet`) finds the fleet too.
ENV NODE_PATH=/app/fleet/node_modules \
    JIBRI_FLEET_DATA_DIR=/data \
    JIBRI_FLEET_RECORDERS_DIR=/data/recorders
EXPOSE 3000
LABEL org.opencontainers.image.title="jibri-ts-fleet-local" \
      org.opencontainers.image.description="jibri-ts on-demand recorder fleet with the recorder beside it (local backend)" \
      org.opencontainers.image.licenses="Apache-2.0"
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.JIBRI_FLEET_PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["fleet"]

# --- recorder: the default target, last ------------------------------------------------------------------
FROM recorder-image AS recorder
