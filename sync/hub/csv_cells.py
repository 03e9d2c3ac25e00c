"""Cells for the CSV exports coordinators open in a spreadsheet."""

from __future__ import annotations

from typing import Any


def safe_cell(value: Any) -> str:
    """A cell starting with = + - @ is a formula to Excel: a name or a title from a feed
    must never run as one."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
