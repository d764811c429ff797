"""`portal assessment-export`: a month's assessment workbook."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.cli.base import domain_errors, main
from portal.core import servertime
from portal.core.errors import N_, PortalError

# the subjects of portal.site.metrics.SUBJECT_NAMES, written out: importing the metrics (and the
# whole site checker with them) would make every `portal` command start a quarter second later
SUBJECTS = ("window", "subcenter", "clerk")


@main.command("assessment-export")
@click.option("--month", required=True, help="the month, e.g. 2026-11")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="the XLSX workbook to write")
@click.option("--subject", type=click.Choice(SUBJECTS), default=None,
              help="rank windows, sub-centers or clerks (default: the rules' own subject)")
@with_appcontext
@domain_errors
def assessment_export(month: str, out: Path, subject: str | None) -> None:
    """Write a month's assessment workbook (ranking, evidence, rule version), with progress."""


    from portal.assessment.exports import steps, workbook
    from portal.assessment.freezing import shown_ranking
    from portal.assessment.reports import Month
    from portal.cases.lifecycle import local_day
    from portal.models import db
    from portal.site.publish import current_version
    from portal.web.current import current_site

    site = current_site()
    rules = site.center.get("assessment") if site else None
    if not rules:
        raise PortalError(N_("the center declares no assessment rules"),
                          hint=N_("add 'assessment:' to schema/center.yaml and run `portal sync`"))
    try:
        period = Month.parse(month)
    except ValueError:
        raise PortalError(N_("%(month)s is not a month"), hint=N_("e.g. 2026-11"), month=month) from None
    zone = site.zone
    today = local_day(site, servertime.now())
    from portal.site.metrics import SUBJECT_NAMES

    by = SUBJECT_NAMES[subject or rules.get("subject", "window")]
    rows, chosen, _, shown = shown_ranking(db.session, rules, period, today, zone, by)
    version = chosen.label if chosen else str(current_version(db.session))
    label = f"{rules['name']} {period}"
    with click.progressbar(length=steps(shown, rows), label=label, show_pos=True) as bar:
        data = workbook(shown, period, rows, version, db.session, today, zone,
                        progress=lambda done, total: bar.update(1), by=by)
    out.write_bytes(data)
    words = {"window": "windows", "sub_center": "sub-centers", "clerk": "clerks"}[by]
    click.echo(f"{len(rows)} {words} written to {out}"
               + (f" (frozen: {chosen.label})" if chosen else ""))
