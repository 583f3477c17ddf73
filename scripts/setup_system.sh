#!/usr/bin/env bash
# System packages the tests need from Debian, installed only where missing (safe to run again):
#   fonts-noto-cjk   CJK glyphs for the explanation plots (matplotlib) and the demo (Chromium)
#   chromium, chromium-driver   the headless browser that tests/test_demo.py drives
# Run as root, or as a user with sudo. The Python side is the demo extra: pip install -e '.[demo]'.
set -euo pipefail
PACKAGES=(fonts-noto-cjk chromium chromium-driver)
missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup_system: already installed: ${PACKAGES[*]}"
  exit 0
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  SUDO=(sudo)
fi
echo "setup_system: installing ${missing[*]}"
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
