#!/usr/bin/env bash
# Copy the collection into an ansible_collections/NAMESPACE/NAME tree outside the work tree.
#   stage_collection.sh SOURCE_ROOT DESTINATION
# Copies exactly what git tracks plus untracked files that are not ignored
# (`git ls-files -co --exclude-standard`), so .venv, build output and local scratch never get
# in. DESTINATION is wiped first, so files deleted from the work tree disappear from the copy.
# ansible-test needs the collection at .../ansible_collections/NAMESPACE/NAME, and running it
# there keeps everything it writes (tests/output, integration_config.yml) out of the work tree.
set -euo pipefail

src=$1 dest=$2

case $dest in
  */ansible_collections/*/*) ;;
  *) echo "stage_collection: refusing to wipe $dest: not an ansible_collections/NAMESPACE/NAME path" >&2; exit 2 ;;
esac

cd "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  list_files() { git ls-files -z --cached --others --exclude-standard; }
else
  echo "stage_collection: $src is not a git work tree: copying everything but .git, .venv, tests/output, caches" >&2
  list_files() {
    find . \( -name .git -o -path ./.venv -o -path ./tests/output -o -name __pycache__ -o -name .pytest_cache \) -prune \
      -o \( -type f -o -type l \) -print0 | sed -z 's|^\./||'
  }
fi

# `git ls-files --cached` still lists tracked files deleted from the work tree: skip those.
existing_files() {
  local path
  while IFS= read -r -d '' path; do
    if [[ -e $path || -L $path ]]; then printf '%s\0' "$path"; fi
  done
}

rm -rf "$dest"
mkdir -p "$dest"
list_files | existing_files | tar --create --file=- --no-recursion --null --files-from=- | tar --extract --file=- --directory="$dest"
echo "stage_collection: $(find "$dest" -type f | wc -l) files -> $dest"
