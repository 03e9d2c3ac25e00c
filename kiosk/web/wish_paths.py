"""The wishes' addresses in the resident's words, shared by the touch and voice screens."""

from __future__ import annotations

KIND_BY_PATH = {"mis": "miss", "help": "offer"}
PATH_BY_KIND = {kind: path for path, kind in KIND_BY_PATH.items()}
