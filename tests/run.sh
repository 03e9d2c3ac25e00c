#!/usr/bin/env bash
# Set up everything the tests need on a fresh Debian machine, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/system-packages.sh --test
[[ -x .venv/bin/python ]] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]'

# emupos, an independent ESC/POS decoder, needs Python 3.13: use one if the machine has it.
if [[ -z "${BUURTKIOSK_EMUPOS:-}" ]]; then
  for py in python3.13 /root/.pyenv/versions/3.13*/bin/python3.13; do
    # `command -v` is not enough: a pyenv shim exists for versions it will not run.
    if "$py" -c '' >/dev/null 2>&1; then
      [[ -x .venv-emupos/bin/emupos ]] || { "$py" -m venv .venv-emupos && .venv-emupos/bin/pip install -q 'emupos==0.4.0'; } || true
      break
    fi
  done
  [[ -x .venv-emupos/bin/emupos ]] && export BUURTKIOSK_EMUPOS="$PWD/.venv-emupos/bin/emupos"
fi

.venv/bin/ruff check .
.venv/bin/lint-imports --no-cache   # the layers of design section 2
.venv/bin/mypy
# Two workers, a test file each at a time (a file's browser and servers start once): the
# browser tests wait on Chromium and on real-time audio, so two share the cores well.
exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@"
