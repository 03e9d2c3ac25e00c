#!/usr/bin/env bash
# Turn a fresh Raspberry Pi OS (Bookworm, 64-bit, with desktop) into a Buurtkiosk:
#
#   sudo bash deploy/raspberrypi/install.sh [--printer URL] [--voice-model ZIP_OF_MAP]
#                                           [--desktop-user NAAM] [--dry-run]
#
# Safe to run again (to update the kiosk, or after a failed step): every step either
# checks first or does something that can be done twice. Settings already made are kept.
# --dry-run prints every step and changes nothing (it runs without root and off a Pi).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/deploy/raspberrypi"
APP=/opt/buurtkiosk
VENV="$APP/venv"
DATA=/var/lib/buurtkiosk
CONF_DIR=/etc/buurtkiosk
ENV_FILE="$CONF_DIR/buurtkiosk.env"
LIB=/usr/local/lib/buurtkiosk
KIOSK_USER=buurtkiosk
PORT=8080
UNITS=(buurtkiosk.service buurtkiosk-nightly.service buurtkiosk-nightly.timer)

dry_run=0
printer=""
voice_model=""
desktop_user="${SUDO_USER:-}"

usage() {
  sed -n '2,9s/^# \{0,1\}//p' "$0"
}

while (($#)); do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --printer) printer="${2:?--printer heeft een adres nodig}"; shift ;;
    --voice-model) voice_model="${2:?--voice-model heeft een zip of map nodig}"; shift ;;
    --desktop-user) desktop_user="${2:?--desktop-user heeft een naam nodig}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "Onbekende optie: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

step_number=0
step() {
  step_number=$((step_number + 1))
  printf '\n== Stap %d: %s\n' "$step_number" "$1"
}

# Every command that changes the machine goes through run: printed, and skipped in a dry run.
run() {
  printf '+ %s\n' "$*"
  ((dry_run)) || "$@"
}

note() {
  printf '  %s\n' "$*"
}

# put_file SOURCE DEST MODE: install one file, creating its folder.
put_file() {
  run install -D -m "$3" "$1" "$2"
}

# write_file DEST MODE < content: for files whose content this script composes.
write_file() {
  local content
  content="$(cat)"
  printf '+ schrijf %s\n' "$1"
  if ((dry_run)); then
    printf '%s\n' "$content" | sed 's/^/    | /'
  else
    install -D -m "$2" /dev/null "$1"
    printf '%s\n' "$content" >"$1"
  fi
}

# The kiosk's own command, as the kiosk's user with the kiosk's settings.
kiosk() {
  run /usr/local/bin/buurtkiosk "$@"
}

if ((!dry_run)) && [[ $(id -u) -ne 0 ]]; then
  exec sudo bash "$0" "$@"
fi
if [[ -z $desktop_user ]]; then
  desktop_user="$(getent passwd 1000 | cut -d: -f1 || true)"
fi

echo "Buurtkiosk installeren vanuit $REPO"
((dry_run)) && echo "(proefrun: er wordt niets veranderd)"
if ! grep -qs 'VERSION_CODENAME=bookworm' /etc/os-release; then
  note "Let op: dit is geen Raspberry Pi OS / Debian 12 (Bookworm). Het kan toch werken."
fi

step "Programma's van Raspberry Pi OS"
run bash "$REPO/deploy/system-packages.sh"
# Raspberry Pi OS calls its browser chromium-browser; plain Debian calls it chromium.
browser_package=chromium
if apt-cache policy chromium-browser 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  browser_package=chromium-browser
fi
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "$browser_package" curl sqlite3 util-linux
run timedatectl set-timezone Europe/Amsterdam || note "Tijdzone niet gezet; zet hem zelf."

step "Eigen gebruiker '$KIOSK_USER' voor de kiosk"
if id "$KIOSK_USER" >/dev/null 2>&1; then
  note "bestaat al"
else
  run install -d -m 0750 "$DATA"
  run adduser --system --group --home "$DATA" --no-create-home "$KIOSK_USER"
fi
run usermod --append --groups lp,dialout,audio "$KIOSK_USER"
run install -d -o "$KIOSK_USER" -g "$KIOSK_USER" -m 0750 "$DATA"

step "De kiosk zelf (Python-omgeving in $VENV)"
[[ -x $VENV/bin/python ]] || run python3 -m venv "$VENV"
run "$VENV/bin/pip" install --quiet --upgrade pip
# Not editable: the kiosk keeps running when the folder it was installed from is gone.
# Built from a copy, so no root-owned build/ folder is left in the volunteer's folder.
source_copy="$(mktemp -d)"
trap 'rm -rf "$source_copy" "$source_copy.tar"' EXIT
run tar -C "$REPO" --exclude=./.git --exclude=./.venv --exclude=./.venv-emupos \
  --exclude=./build --exclude=./data --exclude='*.egg-info' -cf "$source_copy.tar" .
run tar -C "$source_copy" -xf "$source_copy.tar"
run "$VENV/bin/pip" install --quiet --upgrade "$source_copy"

step "Instellingen ($ENV_FILE)"
current=""
[[ -f $ENV_FILE ]] && current="$(sed -n 's/^BUURTKIOSK_PRINTER=//p' "$ENV_FILE")"
if [[ -z $printer && ( -z $current || $current == dummy://* ) ]]; then
  run udevadm settle || true
  if [[ -e /dev/usb/lp0 ]]; then
    # The udev rule below gives this name to whichever USB printer is plugged in.
    printer="file:///dev/buurtkiosk-printer"
  else
    note "Geen USB-printer gevonden. Stel hem later in op het coördinatorscherm."
  fi
fi
if [[ ! -f $ENV_FILE ]]; then
  write_file "$ENV_FILE" 0644 <<EOF
# Buurtkiosk: settings for the kiosk's services (see deploy/raspberrypi/README.md).
# The coordinator screen overrides the printer and most other settings.
BUURTKIOSK_DB=$DATA/buurtkiosk.db
BUURTKIOSK_PORT=$PORT
BUURTKIOSK_PRINTER=${printer:-dummy://}
EOF
elif [[ -n $printer && $printer != "$current" ]]; then
  run sed -i "s|^BUURTKIOSK_PRINTER=.*|BUURTKIOSK_PRINTER=$printer|" "$ENV_FILE"
else
  note "bestaat al en blijft zoals hij is (printer: ${current:-dummy://})"
fi

step "Opdracht 'buurtkiosk' en het startscript van de browser"
put_file "$HERE/buurtkiosk-command.sh" /usr/local/bin/buurtkiosk 0755
put_file "$HERE/kiosk-browser.sh" "$LIB/kiosk-browser.sh" 0755
kiosk init-db

step "Printer (udev-regel: de kiosk mag de USB-printer gebruiken)"
put_file "$HERE/99-buurtkiosk-printer.rules" /etc/udev/rules.d/99-buurtkiosk-printer.rules 0644
# Without a running udev (a container) the rule still takes effect at the next start.
{ run udevadm control --reload-rules &&
  run udevadm trigger --subsystem-match=usb --subsystem-match=usbmisc; } ||
  note "udev niet bereikt; de regel werkt na het opnieuw opstarten."

step "Diensten (systemd): de kiosk en de nachtelijke back-up"
for unit in "${UNITS[@]}"; do
  put_file "$HERE/systemd/$unit" "/etc/systemd/system/$unit" 0644
done
put_file "$HERE/journald-buurtkiosk.conf" /etc/systemd/journald.conf.d/buurtkiosk.conf 0644
run systemctl daemon-reload
run systemctl try-restart systemd-journald.service
run systemctl enable buurtkiosk.service buurtkiosk-nightly.timer
run systemctl restart buurtkiosk.service
run systemctl start buurtkiosk-nightly.timer

step "Spraakmodel (Nederlands)"
if [[ -z $voice_model ]]; then
  # A stick with the model on it (no internet needed): vosk-model-small-nl-*.zip or folder.
  voice_model="$(find /media -maxdepth 3 -iname 'vosk-model*-nl-*' 2>/dev/null | sort | head -n 1 || true)"
fi
if ! "$VENV/bin/buurtkiosk" voice-model --help >/dev/null 2>&1 && ((!dry_run)); then
  note "Deze versie van de kiosk heeft nog geen spraak; overgeslagen."
elif [[ -n $voice_model ]]; then
  kiosk voice-model --from "$voice_model" || note "Niet gelukt; aanraken werkt gewoon."
elif ((!dry_run)) && /usr/local/bin/buurtkiosk voice-model >/dev/null 2>&1; then
  note "al geïnstalleerd"
else
  kiosk voice-model --download ||
    note "Niet gelukt (geen internet?). Aanraken werkt gewoon. Later: sudo buurtkiosk voice-model --from <zip op USB-stick>"
fi

step "Scherm: bureaublad zonder inloggen, alleen de kiosk, nooit op zwart"
if command -v raspi-config >/dev/null 2>&1; then
  # Each on its own: an older raspi-config lacking one option must not stop the rest.
  run raspi-config nonint do_boot_behaviour B4 || note "Automatisch inloggen: zelf instellen."
  run raspi-config nonint do_wayland W3 || note "labwc kiezen: raspi-config, Advanced, Wayland."
  run raspi-config nonint do_blanking 1 || note "Scherm op zwart: zelf uitzetten." # 1 = off
else
  note "Geen raspi-config (geen Raspberry Pi?): automatisch inloggen zelf instellen."
fi
if [[ -n $desktop_user ]]; then
  home="$(getent passwd "$desktop_user" | cut -d: -f6 || true)"
  home="${home:-/home/$desktop_user}"
  group="$(id -gn "$desktop_user" 2>/dev/null || echo "$desktop_user")"
  run install -d -o "$desktop_user" -g "$group" "$home/.config" "$home/.config/labwc"
  run install -m 0644 -o "$desktop_user" -g "$group" "$HERE/labwc-autostart" \
    "$home/.config/labwc/autostart"
else
  note "Geen bureaubladgebruiker gevonden; gebruik --desktop-user NAAM."
fi

step "Controle en 'klaar'-bon"
if ((!dry_run)); then
  for _ in $(seq 60); do
    curl --silent --output /dev/null --max-time 2 "http://127.0.0.1:$PORT/health" && break
    sleep 1
  done
fi
kiosk health || note "Zie hierboven wat er nog niet in orde is."
kiosk ready-ticket || note "Geen bon: controleer papier, kabel en stroom, en probeer: sudo buurtkiosk klaar-bon"

cat <<EOF

Klaar. Start de Raspberry Pi opnieuw op: sudo reboot
Daarna start de kiosk vanzelf op het scherm (http://localhost:$PORT).
Schrijf de pincodes hierboven op (als ze er staan): die heeft u nodig voor de vrijwilligers-
en coördinatorschermen.
EOF
