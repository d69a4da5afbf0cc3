#!/usr/bin/env bash
# Make sure Debian's chromium and chromium-driver are installed (for tests/docs); install them with apt-get if not.
#   ensure_chromium.sh
# Needs root (or sudo) only when they are missing. Both come from Debian's archive, in matching versions: nothing
# downloads a browser of its own.
set -euo pipefail

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  exit 0
fi
if [[ $(id -u) == 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo 'ensure_chromium: chromium or chromium-driver is missing, and installing them needs root:' >&2
  echo '  apt-get install chromium chromium-driver' >&2
  exit 1
fi
echo 'ensure_chromium: installing chromium and chromium-driver with apt-get'
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
echo "ensure_chromium: $(/usr/bin/chromium --version 2>/dev/null), $(/usr/bin/chromedriver --version 2>/dev/null | cut -d' ' -f1-2)"
