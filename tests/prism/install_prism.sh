#!/usr/bin/env bash
# Install the pinned Prism (tests/prism/package.json + package-lock.json) outside the work tree.
#   install_prism.sh SOURCE_DIR DESTINATION
# Copies the two files into DESTINATION and runs `npm ci` there, only when the lock file changed
# since the last install (a key file records its hash), so repeated runs take no time. Install
# scripts are not run (`--ignore-scripts`): Prism needs none, and one of its dependencies would
# otherwise try to send usage analytics. Prints the path of the prism executable on stdout.
set -euo pipefail

src=$1 dest=$2
min_node_major=18  # @stoplight/prism-cli 5.14.2: engines node >= 18.20.1 (5.15 and later need Node.js 24)

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "install_prism: $tool is not on PATH (Prism runs on Node.js >= $min_node_major)" >&2; exit 2; }
done
major=$(node -p 'process.versions.node.split(".")[0]')
if ((major < min_node_major)); then
  echo "install_prism: Node.js $(node --version) is too old; Prism needs >= $min_node_major" >&2
  exit 2
fi

key=$( { node --version; cat "$src/package.json" "$src/package-lock.json"; } | sha256sum | cut -c1-32)
bin=$dest/node_modules/.bin/prism
if [[ -x $bin && -f $dest/.install-key && $(<"$dest/.install-key") == "$key" ]]; then
  echo "$bin"
  exit 0
fi

rm -rf "$dest"
mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
echo "install_prism: npm ci in $dest ($(npm --version), Node.js $(node --version))" >&2
(cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
[[ -x $bin ]] || { echo "install_prism: npm ci did not install $bin" >&2; exit 1; }
echo "$key" >"$dest/.install-key"
echo "$bin"
