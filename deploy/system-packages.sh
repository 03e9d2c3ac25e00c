#!/usr/bin/env bash
# Debian / Raspberry Pi OS packages the kiosk and its tests need. Installs only what
# is missing, so running it again costs a second.
set -euo pipefail

# libatomic1: Vosk's arm64 library (the Pi's) needs it, and a minimal system lacks it.
# libcairo2: cairosvg draws the category pictograms for the ticket with it.
packages=(python3 python3-venv python3-dev espeak-ng libespeak-ng1 alsa-utils libusb-1.0-0 sox
  libatomic1 libcairo2)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(chromium shellcheck systemd)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
