"""flask --app wsgi stats …: statistics maintenance."""
import click
import sqlalchemy as sa
from flask.cli import AppGroup

from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.stats import case_rollup, rollup

stats_cli = AppGroup("stats", help="Statistics.")


@stats_cli.command("rebuild")
def stats_rebuild() -> None:
    """Recompute the statistics' rollups from the ratings and the 差评 cases (after they
    arrived another way, e.g. a restored backup or an import). One transaction: readers see
    the old or the new figures, never a half-built set."""
    with write_transaction(db.session()) as conn:
        rollup.rebuild(conn)
        case_rollup.rebuild(conn)
        db.session.commit()
    counted = db.session.execute(sa.text(
        "SELECT coalesce(sum(n1 + n2 + n3 + n4 + n5), 0) FROM rating_window_day "
        "WHERE window_id = :hall"), {"hall": rollup.HALL}).scalar_one()
    click.echo(f"rollups rebuilt: {counted} counted ratings")


report_cli = AppGroup("report", help="Reports.")


@report_cli.command("quarter")
@click.argument("quarter")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, writable=True),
              help="Also write the XLSX download to this file.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, writable=True),
              help="Also write the printable HTML page to this file.")
def report_quarter(quarter: str, xlsx_path: str | None, html_path: str | None) -> None:
    """The quarterly 通报, e.g. `report quarter 2026Q4`: printed as tab-separated tables."""
    from flask import current_app, render_template

    from kiosk.models.base import utcnow
    from kiosk.stats import report

    try:
        wanted = report.Quarter.parse(quarter)
    except report.BadQuarter as exc:
        raise click.BadParameter(str(exc), param_hint="QUARTER") from exc
    built = report.build(wanted, utcnow())
    sections = report.sections(built)
    for section in sections:
        click.echo(f"# {section.title}")
        if section.note:
            click.echo(section.note)
        click.echo("\t".join(section.headers))
        for row in section.rows:
            click.echo("\t".join("—" if v is None else str(v) for v in row))
        click.echo("")
    if xlsx_path:
        with open(xlsx_path, "wb") as out:
            out.write(report.xlsx(built))
        click.echo(f"XLSX: {xlsx_path}")
    if html_path:
        with current_app.test_request_context():
            page = render_template("stats/report.html", report=built, sections=sections,
                                   links=None)
        with open(html_path, "w", encoding="utf-8") as out:
            out.write(page)
        click.echo(f"HTML: {html_path}")
