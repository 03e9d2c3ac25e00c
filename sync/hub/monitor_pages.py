"""The coordinators' Monitor and wishes pages on the hub, each limited to the stadsdorpen
the coordinator's account covers (all of them for the Netwerk).

The Monitor shows figures only: no names, no phone numbers. The wishes page shows the
call-back details of the coordinator's own stadsdorpen, and only theirs.
"""

from __future__ import annotations

import csv
import io
import re

from flask import Blueprint, abort, render_template, request
from werkzeug.wrappers import Response

from kiosk.core import dutch
from sync.hub import agenda, charts, monitor, wishes
from sync.hub.admin import coordinator_scope
from sync.hub.coordinator import current_coordinator, login_required
from sync.hub.csv_cells import safe_cell
from sync.hub.web import get_hub_db, now

bp = Blueprint("hub_monitor", __name__, url_prefix="/coordinator")

TREND_MONTHS = 12


def _scope() -> list[str]:
    scope = coordinator_scope(get_hub_db(), current_coordinator() or "")
    if scope is None:  # the account was removed while signed in
        abort(403)
    return scope


def _areas(scope: list[str]) -> dict[str, str]:
    """The areas this coordinator may look at, slug -> name, the Netwerk first."""
    names = agenda.stadsdorp_names(get_hub_db())
    if not scope:
        return {monitor.NETWERK: "Hele Netwerk"} | dict(sorted(names.items(),
                                                              key=lambda kv: kv[1]))
    return {slug: names.get(slug, slug) for slug in scope}


def _chosen_area(areas: dict[str, str]) -> str:
    wanted = request.args.get("gebied", "")
    if wanted and wanted not in areas:
        abort(403)
    return wanted or next(iter(areas))


def _chosen_month() -> str:
    wanted = request.args.get("maand", "")
    if re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", wanted):
        return wanted
    return dutch.local(now()).strftime("%Y-%m")


def month_name(month: str) -> str:
    year, number = month.split("-")
    return f"{dutch.MONTHS[int(number) - 1]} {year}"


@bp.get("/monitor")
@login_required
def page() -> str:
    areas = _areas(_scope())
    area, month = _chosen_area(areas), _chosen_month()
    db = get_hub_db()
    figures = monitor.month_figures(db, month, area)
    months = monitor.months_back(month, TREND_MONTHS)
    points = monitor.trend(db, months, area)
    pictures = {
        "trend": charts.columns([(p.month, p.signups, p.people) for p in points],
                                "Aanmeldingen per maand", ("aanmeldingen", "personen")),
        "wish_trend": charts.columns([(p.month, p.wishes, p.offers) for p in points],
                                     "Wensen per maand", ("missen", "willen helpen")),
        **{dimension: charts.bars([(r.label, r.people) for r in figures.by[dimension]],
                                  f"{label}: personen")
           for dimension, label in monitor.DIMENSIONS.items() if dimension != "activiteit"},
        **{kind: charts.bars(figures.wishes[kind], label)
           for kind, label in monitor.KIND_LABELS.items()},
    }
    return render_template(
        "hub/monitor.html", figures=figures, areas=areas, area=area, month=month,
        month_name=month_name, months=months, pictures=pictures,
        dimensions=monitor.DIMENSIONS, kind_labels=monitor.KIND_LABELS,
        channel_labels=monitor.CHANNEL_LABELS,
    )


@bp.get("/monitor.csv")
@login_required
def export() -> Response:
    """The 12 months up to the chosen one, for the chosen area, as the page shows them."""
    areas = _areas(_scope())
    area, month = _chosen_area(areas), _chosen_month()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(monitor.CSV_HEADER)
    for each in monitor.months_back(month, TREND_MONTHS):
        rows = monitor.csv_rows(monitor.month_figures(get_hub_db(), each, area), areas[area])
        writer.writerows([safe_cell(value) for value in row] for row in rows)
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    name = "netwerk" if area == monitor.NETWERK else area
    response.headers["Content-Disposition"] = f'attachment; filename="monitor-{name}-{month}.csv"'
    return response


@bp.get("/wensen")
@login_required
def wish_list() -> str:
    scope = _scope()
    areas = _areas(scope)
    area = _chosen_area(areas)
    shown = [] if area == monitor.NETWERK else [area]
    return render_template("hub/wishes.html", wishes=wishes.in_scope(get_hub_db(), shown),
                           areas=areas, area=area, names=agenda.stadsdorp_names(get_hub_db()),
                           contact_days=wishes.contact_days())
