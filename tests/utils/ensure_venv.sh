#!/usr/bin/env bash
# Create or update the harness venv.
#   ensure_venv.sh VENV BASE_PYTHON ANSIBLE_CORE REQUIREMENTS_FILE
# ANSIBLE_CORE is a pip version specifier (">=2.19,<2.20"), a release series ("2.18" means
# ">=2.18,<2.19") or an exact version ("2.18.3"). The venv is (re)installed only when the
# base Python, the ansible-core specifier or the requirements file change (a key file in the
# venv records them), so repeated `make` runs are quick.
set -euo pipefail

venv=$1 base_python=$2 core=$3 requirements=$4

if [[ $core =~ ^([0-9]+)\.([0-9]+)$ ]]; then
  core=">=${BASH_REMATCH[1]}.${BASH_REMATCH[2]},<${BASH_REMATCH[1]}.$((BASH_REMATCH[2] + 1))"
elif [[ $core =~ ^[0-9]+\.[0-9]+\.[0-9]+.*$ ]]; then
  core="==$core"
fi

if ! "$base_python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "ensure_venv: $base_python is missing or older than Python 3.11 (ansible-core 2.18+ needs 3.11 on the controller)" >&2
  exit 1
fi

key=$( { "$base_python" -c 'import sys; print(sys.version)'; echo "ansible-core$core"; cat "$requirements"; } | sha256sum | cut -c1-32)
key_file=$venv/.harness-key

if [[ -x $venv/bin/python && -f $key_file && $(<"$key_file") == "$key" ]]; then
  exit 0
fi

if [[ ! -x $venv/bin/python ]]; then
  echo "ensure_venv: creating $venv with $("$base_python" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
  # Only what `python -m venv` makes: other venvs may live inside this one (.venv/core/*, .venv/package/*).
  rm -rf "${venv:?}"/{bin,include,lib,lib64,share,pyvenv.cfg}
  "$base_python" -m venv "$venv"
fi
rm -f "$key_file"
echo "ensure_venv: installing ansible-core$core and $requirements"
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet "ansible-core$core" -r "$requirements"
"$venv/bin/python" -m pip check --disable-pip-version-check >/dev/null || "$venv/bin/python" -m pip check
echo "ensure_venv: $("$venv/bin/python" -c 'from ansible.release import __version__; print("ansible-core", __version__)') ready in $venv"
echo "$key" >"$key_file"
