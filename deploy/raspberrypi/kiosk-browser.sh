#!/bin/sh
# Buurtkiosk: Chromium full screen on the kiosk, started by labwc when the desktop logs in.
# Waits for the kiosk server, then keeps the browser up: closed or crashed, it comes back.
set -u

url="${BUURTKIOSK_URL:-http://localhost:8080/}"
browser=""
for candidate in chromium-browser chromium; do
  if command -v "$candidate" >/dev/null 2>&1; then
    browser="$candidate"
    break
  fi
done
if [ -z "$browser" ]; then
  echo "Buurtkiosk: Chromium ontbreekt; installeer opnieuw met install.sh" >&2
  exit 1
fi

# The server may still be starting after a power cut: wait up to two minutes for any
# answer (a 503 from a broken database is an answer; its page says what to do).
tries=0
until curl --silent --output /dev/null --max-time 2 "${url%/}/health"; do
  tries=$((tries + 1))
  [ "$tries" -ge 120 ] && break
  sleep 1
done

while true; do
  # --incognito: no "restore pages?" bubble after a power cut, and no cache on the SD card.
  # --use-fake-ui-for-media-stream: the microphone is allowed without a pop-up.
  # --password-store=basic: no keyring question at start.
  "$browser" \
    --kiosk --incognito --noerrdialogs --disable-infobars --no-first-run \
    --ozone-platform=wayland --lang=nl \
    --password-store=basic \
    --check-for-update-interval=31536000 \
    --disable-features=Translate,TranslateUI \
    --overscroll-history-navigation=0 --disable-pinch \
    --autoplay-policy=no-user-gesture-required \
    --use-fake-ui-for-media-stream \
    "$url"
  sleep 2
done
