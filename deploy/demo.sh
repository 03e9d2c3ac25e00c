#!/usr/bin/env bash
# Set up everything on a fresh Debian / Raspberry Pi OS machine and start the kiosk
# with a demo agenda on http://localhost:8080.
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/system-packages.sh
[[ -x .venv/bin/python ]] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e .

export BUURTKIOSK_DB="${BUURTKIOSK_DB:-$PWD/data/buurtkiosk.db}"
.venv/bin/buurtkiosk init-db
.venv/bin/buurtkiosk demo
exec .venv/bin/buurtkiosk run --host 127.0.0.1 --port "${BUURTKIOSK_PORT:-8080}"
