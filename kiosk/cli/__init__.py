"""The `buurtkiosk` command line: thin over kiosk.core and kiosk.ops."""
