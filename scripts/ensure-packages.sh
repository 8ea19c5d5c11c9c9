#!/usr/bin/env bash
# Make sure the Debian packages Kontor needs are installed: installs them with apt when
# we are root, otherwise says what to install. Usage: ensure-packages.sh PACKAGE...
set -euo pipefail

missing=()
for package in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installiere ${missing[*]} mit apt-get ..."
  # The package lists of a fresh machine are empty; one update is enough.
  if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ] || [ -n "${APT_UPDATE:-}" ]; then
    apt-get update -qq
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; }
else
  echo "Es fehlen Debian-Pakete: ${missing[*]}" >&2
  echo "Bitte installieren: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
