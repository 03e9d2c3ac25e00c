"""Keeping a kiosk running: backup, health checks, the systemd watchdog, the demo agenda."""
