#!/bin/sh
# Used by the Dockerfile's `prod-deps` stage on the production node_modules: removes what Node never loads
# at run time. Type declarations, source maps and TypeScript sources; READMEs and changelogs (licences
# stay); C/C++ sources, object files and build leftovers that node-gyp packages keep beside a compiled
# .node module; published coverage reports; other platforms'
# prebuilt binaries. Fails when a package whose entry point resolved before no longer
# does. Prints the size before and after.
set -eu
dir=${1:?usage: slim-node-modules.sh <node_modules>}
cd "$(dirname "$dir")"
dir=$(basename "$dir")

# The packages whose entry point (main / exports / index.js) resolves, one a line.
resolvable() {
  node -e '
    const fs = require("node:fs"); const path = require("node:path"); const root = path.resolve(process.argv[1]);
    const names = fs.readdirSync(root).filter((d) => !d.startsWith("."))
      .flatMap((d) => (d.startsWith("@") ? fs.readdirSync(path.join(root, d)).map((s) => `${d}/${s}`) : [d]));
    for (const name of names) {
      try { require.resolve(name, { paths: [path.dirname(root)] }); console.log(name); } catch { /* not loadable as a whole */ }
    }' "$dir"
}

before_kb=$(du -sk "$dir" | cut -f1)
resolvable >/tmp/slim-before.txt
find "$dir" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \
  -o \( -name '*.ts' ! -name '*.d.ts' \) -o -iname 'readme' -o -iname 'readme.md' -o -iname 'readme.markdown' \
  -o -iname 'readme.txt' -o -iname 'changelog.md' -o -iname 'history.md' \
  -o -name '*.c' -o -name '*.cc' -o -name '*.cpp' -o -name '*.h' -o -name '*.hpp' -o -name '*.o' -o -name '*.a' \
  -o -name '*.gyp' -o -name '*.gypi' \) -delete
# Test coverage reports and CI folders that some packages publish by mistake (fluent-ffmpeg: 11 MB).
find "$dir" -mindepth 2 -maxdepth 3 -type d \( -name coverage -o -name .nyc_output -o -name .github \) -prune -exec rm -rf {} +
# Prebuilt binaries of other platforms (node-gyp-build loads prebuilds/<platform>-<arch> only).
platform=$(node -p 'process.platform + "-" + process.arch')
for pre in $(find "$dir" -type d -name prebuilds); do
  [ -d "$pre/$platform" ] || continue
  find "$pre" -mindepth 1 -maxdepth 1 -type d ! -name "$platform" ! -name "$platform-*" -exec rm -rf {} +
done
for gyp in "$dir"/*/binding.gyp "$dir"/@*/*/binding.gyp; do
  [ -f "$gyp" ] || continue
  pkg=$(dirname "$gyp")
  # A node-gyp package loads only the compiled modules under build/Release (bindings, node-gyp-build).
  [ -d "$pkg/build/Release" ] || continue
  find "$pkg/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
  find "$pkg/build/Release" -mindepth 1 ! -name '*.node' -exec rm -rf {} + 2>/dev/null || true
  rm -f "$pkg/build/Release/test_extension.node"
  # Its C/C++ sources, unless the package keeps JavaScript there too.
  for d in "$pkg/deps" "$pkg/src"; do
    if [ -d "$d" ] && [ -z "$(find "$d" -name '*.js' -print -quit)" ]; then rm -rf "$d"; fi
  done
done
# hls.js: the recorder serves dist/hls.min.js alone (lib/http/served-api.ts); its other builds and its
# sources are 31 MB. Its require entry (dist/hls.js) stays, so the package still resolves.
if [ -d "$dir/hls.js/dist" ]; then
  find "$dir/hls.js/dist" -type f ! -name hls.min.js ! -name hls.js -delete
  rm -rf "$dir/hls.js/src"
fi
rm -rf "$dir/.bin" "$dir/.cache"
resolvable >/tmp/slim-after.txt
if ! cmp -s /tmp/slim-before.txt /tmp/slim-after.txt; then
  echo "slim-node-modules: FAILED: these packages no longer resolve:" >&2
  comm -23 /tmp/slim-before.txt /tmp/slim-after.txt >&2
  exit 1
fi
after_kb=$(du -sk "$dir" | cut -f1)
echo "slim-node-modules: $dir $((before_kb / 1024)) MB -> $((after_kb / 1024)) MB; $(wc -l </tmp/slim-after.txt) packages still resolve their entry point" >&2
rm -f /tmp/slim-before.txt /tmp/slim-after.txt
