#!/usr/bin/env bash
# Print the path of a CPython interpreter of the given MAJOR.MINOR version, or fail saying where it looked.
#   find_python.sh 3.13 [CANDIDATE]
# CANDIDATE (the Makefile passes its PYTHON_3_13 knob) wins when given; otherwise the first of these that
# really runs as that version: pythonX.Y on PATH (a pyenv shim of a version that is not active fails here, so it
# is skipped, and so is the Python of a venv, such as .venv/bin on the Makefile's PATH), `pyenv prefix X.Y` (the
# newest installed X.Y.*), $PYENV_ROOT/versions/X.Y.*, /usr/local/bin and /usr/bin. The path printed is the real
# interpreter (sys.executable), not a shim.
set -euo pipefail

version=$1 candidate=${2:-}
if [[ ! $version =~ ^3\.[0-9]+$ ]]; then
  echo "find_python: expected a version like 3.13, got '$version'" >&2
  exit 2
fi

# Prints sys.executable when $1 runs and is Python $version (and, with a second argument, is no venv's Python).
probe() {
  "$1" -c "import sys; v = '%d.%d' % sys.version_info[:2]; venv = sys.prefix != sys.base_prefix
sys.exit(v != '$version' or (venv and ${2:-False}) or print(sys.executable))" 2>/dev/null
}

if [[ -n $candidate ]]; then
  if probe "$candidate"; then exit 0; fi
  echo "find_python: $candidate (PYTHON_${version/./_}) is not a working Python $version" >&2
  exit 1
fi

tried=()
candidates=("python$version")
if command -v pyenv >/dev/null 2>&1 && prefix=$(pyenv prefix "$version" 2>/dev/null); then
  candidates+=("$prefix/bin/python$version")
fi
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
shopt -s nullglob
installed=("$pyenv_root/versions/$version".*)
shopt -u nullglob
if ((${#installed[@]})); then
  while IFS= read -r dir; do candidates+=("$dir/bin/python$version"); done < <(printf '%s\n' "${installed[@]}" | sort -V -r)
fi
candidates+=("/usr/local/bin/python$version" "/usr/bin/python$version")

for python in "${candidates[@]}"; do
  if probe "$python" True; then exit 0; fi
  tried+=("$python")
done
echo "find_python: no working Python $version (tried: ${tried[*]}); install one or set PYTHON_${version/./_}=/path/to/python$version" >&2
exit 1
