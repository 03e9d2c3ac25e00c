#!/usr/bin/env bash
# What the kiosk's screen shows at boot, without a Pi: kiosk-browser.sh (the script the
# labwc autostart runs) inside sway, a wlroots compositor like labwc, on a headless
# output, then a screenshot. For developers:
#
#   sudo bash deploy/raspberrypi/try-kiosk-screen.sh [USER] [PNG]   # defaults: pi, /tmp/kiosk-screen.png
#
# A kiosk must already answer on http://localhost:8080 (`bash deploy/demo.sh`). Chromium
# does not run as root, so the browser runs as USER (created when missing).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
user="${1:-pi}"
png="${2:-/tmp/kiosk-screen.png}"

if [[ $(id -u) -ne 0 ]]; then
  exec sudo bash "$0" "$@"
fi
curl -fsS -o /dev/null http://localhost:8080/health ||
  { echo "Geen kiosk op http://localhost:8080: start er eerst een (bash deploy/demo.sh)." >&2; exit 1; }
missing=()
for tool in sway grim Xwayland chromium; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    sway grim xwayland chromium
fi
id "$user" >/dev/null 2>&1 || useradd -m "$user"

runtime="$(mktemp -d)"
chown "$user" "$runtime"
chmod 0700 "$runtime"
cat >"$runtime/sway.conf" <<EOF
output HEADLESS-1 resolution 1280x800
exec sh $HERE/kiosk-browser.sh
EOF
chmod 0644 "$runtime/sway.conf"
su "$user" -s /bin/sh -c "XDG_RUNTIME_DIR=$runtime WLR_BACKENDS=headless \
  WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman exec sway -c $runtime/sway.conf" \
  >"$runtime/sway.log" 2>&1 &
compositor=$!
cleanup() {
  pkill -u "$user" -f kiosk-browser.sh || true
  kill "$compositor" 2>/dev/null || true
  pkill -u "$user" -f chromium || true
}
trap cleanup EXIT

# The page is up when Chromium has asked for it; then give it a moment to paint.
sleep 20
display="$(find "$runtime" -maxdepth 1 -name 'wayland-[0-9]' -printf '%f\n' | head -n 1)"
[[ -n $display ]] || { echo "sway did not start; see $runtime/sway.log" >&2; exit 1; }
su "$user" -s /bin/sh -c "XDG_RUNTIME_DIR=$runtime WAYLAND_DISPLAY=$display grim $runtime/screen.png"
install -m 0644 "$runtime/screen.png" "$png"
echo "Schermafdruk: $png"
