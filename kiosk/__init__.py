"""Buurtkiosk, in layers (import-linter keeps them so):

- kiosk.web and kiosk.cli: the screens (Flask) and the `buurtkiosk` command;
- kiosk.ops: backup, health checks, watchdog, the demo agenda;
- printing, sync, voice (top-level packages): paper, the central agenda, speech;
- kiosk.core: the rules and their tables, no Flask.
"""
