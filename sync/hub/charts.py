"""Charts as SVG, drawn on the server: bars people can take in at a glance, with the number
written beside each, so the picture never has to be measured. Pure functions, text in,
markup out; every label is escaped here."""

from __future__ import annotations

from html import escape

INK = "#00356b"
SECOND = "#b35c00"
FONT = 'font-family="DejaVu Sans, Verdana, sans-serif" font-size="15"'


def bars(rows: list[tuple[str, int]], title: str, *, limit: int = 15, width: int = 560) -> str:
    """Horizontal bars, biggest first as given; `limit` rows at most."""
    rows = rows[:limit]
    label_width, row_height = 230, 26
    height = 34 + row_height * max(len(rows), 1)
    top = max((value for _, value in rows), default=0) or 1
    room = width - label_width - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
             f'<text x="0" y="18" {FONT} font-weight="bold">{escape(title)}</text>']
    if not rows:
        parts.append(f'<text x="0" y="50" {FONT}>Nog niets.</text>')
    for index, (label, value) in enumerate(rows):
        y = 34 + index * row_height
        bar = round(room * value / top)
        shown = label if len(label) <= 30 else label[:29] + "…"
        parts += [
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end" {FONT}>'
            f'{escape(shown)}</text>',
            f'<rect x="{label_width}" y="{y + 4}" width="{bar}" height="18" fill="{INK}"/>',
            f'<text x="{label_width + bar + 6}" y="{y + 18}" {FONT}>{value}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def columns(points: list[tuple[str, int, int]], title: str, legend: tuple[str, str],
            *, width: int = 760) -> str:
    """Two columns per month side by side (e.g. signups and people), months left to right."""
    height, base = 250, 200
    top = max((max(a, b) for _, a, b in points), default=0) or 1
    slot = (width - 20) / max(len(points), 1)
    bar = max(min(slot / 2 - 4, 28), 3)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
             f'<text x="0" y="18" {FONT} font-weight="bold">{escape(title)}</text>',
             f'<rect x="{width - 250}" y="6" width="14" height="14" fill="{INK}"/>',
             f'<text x="{width - 230}" y="18" {FONT}>{escape(legend[0])}</text>',
             f'<rect x="{width - 130}" y="6" width="14" height="14" fill="{SECOND}"/>',
             f'<text x="{width - 110}" y="18" {FONT}>{escape(legend[1])}</text>',
             f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#000"/>']
    for index, (month, first, second) in enumerate(points):
        x = 10 + index * slot + slot / 2
        for offset, value, colour in ((-bar - 1, first, INK), (1, second, SECOND)):
            h = round(150 * value / top)
            parts.append(f'<rect x="{x + offset:.1f}" y="{base - h}" width="{bar:.1f}" '
                         f'height="{h}" fill="{colour}"><title>{value}</title></rect>')
        parts.append(f'<text x="{x:.1f}" y="{base + 20}" text-anchor="middle" {FONT}>'
                     f'{escape(month[5:])}-{escape(month[2:4])}</text>')
        parts.append(f'<text x="{x:.1f}" y="{base + 40}" text-anchor="middle" {FONT}>'
                     f'{first}</text>')
    parts.append("</svg>")
    return "".join(parts)
