"""On paper for wishes: the receipt a resident takes home after telling what they miss or
would like to do, and the wishes-and-help slip to fill in with a pen."""

from __future__ import annotations

from kiosk.core import codes, dutch
from kiosk.core.wish_slips import wish_slip_qr
from kiosk.core.wishes import DAY_PARTS, WISH_CATEGORIES, Wish
from printing.layout import QR, Cut, Feed, Op, Rule, Text, wrap

SLIP_QR_DOTS = 6  # as on the signup slip: a desk scanner held close reads it

RECEIPT_HEADING = {"miss": "U mist in de buurt:", "offer": "U wilt helpen met:"}


def _tick_lines(labels: list[str], columns: int) -> list[Op]:
    """'[ ] Wandelen', a long label running on under its text, never under the box."""
    ops: list[Op] = []
    for label in labels:
        lines = wrap(label, columns - 4)
        ops.append(Text("[ ] " + lines[0].text, height=2))
        ops += [Text("    " + line.text) for line in lines[1:]]
    return ops


def wish_receipt_layout(wish: Wish, *, columns: int, kiosk_name: str, contact_days: int
                        ) -> list[Op]:
    """'Bedankt!', what was chosen, and what happens next: a call, or just the count."""
    ops: list[Op] = [
        *wrap(wish.stadsdorp or kiosk_name, columns, bold=True, align="center"),
        *wrap("BEDANKT!", columns, width=2, height=2, bold=True, align="center"),
        Rule(),
        *wrap(RECEIPT_HEADING[wish.kind], columns, bold=True),
    ]
    for label in wish.category_labels:
        ops += wrap("- " + label, columns, height=2)
    if wish.day_parts:
        ops += [Feed(), *wrap("Het liefst in de " + " of ".join(wish.day_parts) + ".", columns)]
    ops.append(Feed())
    if wish.callback:
        ops += wrap("Iemand van het stadsdorp belt u hierover.", columns, bold=True)
        ops += wrap(
            f"Uw naam en telefoonnummer gebruiken wij alleen daarvoor. Na {contact_days} "
            "dagen wissen wij ze.",
            columns,
        )
    else:
        ops += wrap("Bedankt voor uw idee.", columns, bold=True)
        ops += wrap("Wij tellen het mee. Zo weet het stadsdorp wat de buurt wil.", columns)
    ops += [Feed(), *wrap(f"Wens {wish.display_code}", columns, align="center"), Cut()]
    return ops


def wish_slip_layout(code: str, *, columns: int, kiosk_name: str, contact_days: int
                     ) -> list[Op]:
    labels = [c.label for c in WISH_CATEGORIES]
    ops: list[Op] = [
        *wrap(kiosk_name, columns, bold=True, align="center"),
        *wrap("WENSENSTROOK", columns, width=2, height=2, bold=True, align="center"),
        Rule(),
        *wrap("Wat mist u in de buurt?", columns, height=2, bold=True),
        *wrap("Zet een kruisje. Meer dan één mag.", columns),
        *_tick_lines(labels, columns),
        Feed(),
        *wrap("Wilt u iets doen voor de buurt?", columns, height=2, bold=True),
        *wrap("Zet een kruisje bij wat u graag doet.", columns),
        *_tick_lines(labels, columns),
        Feed(),
        *wrap("Wanneer kan het?", columns, bold=True),
        *wrap("   ".join(f"[ ] {part}" for part in DAY_PARTS), columns, height=2),
        Feed(),
        *wrap("Mag iemand van het stadsdorp u bellen?", columns, height=2, bold=True),
        Text("[ ] Ja", height=2),
        *wrap("Wij gebruiken uw nummer alleen om u hierover te bellen. Na "
              f"{contact_days} dagen wissen wij het.", columns),
    ]
    for label in ("Naam", "Telefoon"):
        ops += [Feed(), Text(f"{label}: " + "_" * (columns - len(label) - 2), height=2)]
    shown = codes.display_code(code)
    ops += [
        Feed(),
        *wrap("Doe deze strook in de bus. Een vrijwilliger voert hem in.", columns, bold=True),
        Rule(),
        QR(wish_slip_qr(code), size=SLIP_QR_DOTS),
        Text(f"Strook {shown}", width=2, height=2, bold=True, align="center"),
        Cut(),
    ]
    return ops


def call_list_layout(wishes: list[Wish], *, columns: int, kiosk_name: str, printed_at: str
                     ) -> list[Op]:
    """The residents to call back about their wish, for a volunteer with a phone: name,
    number, what it is about, and a box to tick."""
    ops: list[Op] = [
        *wrap("TERUGBELLEN", columns, width=2, height=2, bold=True, align="center"),
        *wrap(f"Wensen en aanbod - {kiosk_name}", columns, bold=True, align="center"),
        *wrap(f"Geprint: {printed_at}", columns, align="center"),
        Rule(),
    ]
    if not wishes:
        ops += wrap("Niemand hoeft gebeld te worden.", columns)
    for wish in wishes:
        phone = dutch.phone_display(wish.phone)
        ops += wrap(f"[ ] {wish.name or '(zonder naam)'}  {phone}", columns, bold=True)
        about = f"{wish.kind_label}: {', '.join(wish.category_labels)}"
        if wish.day_parts:
            about += f" ({', '.join(wish.day_parts)})"
        ops += [Text("    " + line.text) for line in wrap(about, columns - 4)]
        ops += [Text(f"    wens {wish.display_code}"), Feed()]
    ops.append(Cut())
    return ops
