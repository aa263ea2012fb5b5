#!/bin/sh
# Used by the Dockerfile's `prod-deps` stage on the production node_modules: removes what Node never loads
# at run time. Type declarations, source maps and TypeScript sources; READMEs and changelogs (licences
# stay); the C/C++ sources and object files that native packages (better-sqlite3, cpu-features) leave
# beside their compiled .node module. Prints the size before and after.
set -eu
dir=${1:?usage: slim-node-modules.sh <node_modules>}
before=$(du -sk "$dir" | cut -f1)
find "$dir" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \
  -o \( -name '*.ts' ! -name '*.d.ts' \) -o -iname 'readme' -o -iname 'readme.md' -o -iname 'readme.markdown' \
  -o -iname 'readme.txt' -o -iname 'changelog.md' -o -iname 'history.md' \) -delete
for native in "$dir"/*/build "$dir"/@*/*/build; do
  [ -d "$native" ] || continue
  pkg=$(dirname "$native")
  # Only the compiled modules under build/Release are loaded (bindings / node-gyp-build find them there).
  find "$native" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
  find "$native/Release" -mindepth 1 ! -name '*.node' -exec rm -rf {} + 2>/dev/null || true
  rm -f "$native/Release/test_extension.node"
  rm -rf "$pkg/deps" "$pkg/src" "$pkg/binding.gyp"
done
rm -rf "$dir/.bin" "$dir/.cache"
after=$(du -sk "$dir" | cut -f1)
echo "slim-node-modules: $dir $((before / 1024)) MB -> $((after / 1024)) MB" >&2
