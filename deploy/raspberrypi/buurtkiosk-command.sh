#!/usr/bin/env bash
# `sudo buurtkiosk ...` for volunteers (installed as /usr/local/bin/buurtkiosk). Runs the
# command as the kiosk's own user with the kiosk's settings, so no file of the kiosk ever
# becomes root's (a database file owned by root would stop the kiosk).
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  exec sudo "$0" "$@"
fi

set -a
# shellcheck source=/dev/null
source /etc/buurtkiosk/buurtkiosk.env
set +a
export HOME=/var/lib/buurtkiosk
cd /

caps=()
restart=0
case "${1:-}" in
  backup | back-up)
    # A USB stick is mounted for the desktop user; see buurtkiosk-nightly.service.
    caps=(--inh-caps=+dac_override --ambient-caps=+dac_override)
    ;;
  restore | herstel)
    # Restoring with the server stopped: no signup can slip in between the safety copy
    # and the restore, and the server starts again with the restored kiosk id and key.
    for arg in "${@:2}"; do
      [[ $arg == -* ]] || restart=1
    done
    ;;
esac

((restart)) && systemctl stop buurtkiosk.service
status=0
setpriv --reuid=buurtkiosk --regid=buurtkiosk --init-groups "${caps[@]}" -- \
  /opt/buurtkiosk/venv/bin/buurtkiosk "$@" || status=$?
((restart)) && systemctl start buurtkiosk.service
exit "$status"
