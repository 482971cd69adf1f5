"""flask --app wsgi stats …: statistics maintenance."""
import click
import sqlalchemy as sa
from flask.cli import AppGroup

from kiosk.db_setup import write_transaction
from kiosk.extensions import db
from kiosk.stats import rollup

stats_cli = AppGroup("stats", help="Statistics.")


@stats_cli.command("rebuild")
def stats_rebuild() -> None:
    """Recompute the statistics' rollups from the ratings (after ratings arrived another
    way, e.g. a restored backup or an import). One transaction: readers see the old or the
    new figures, never a half-built set."""
    with write_transaction(db.session()) as conn:
        rollup.rebuild(conn)
        db.session.commit()
    counted = db.session.execute(sa.text(
        "SELECT coalesce(sum(n1 + n2 + n3 + n4 + n5), 0) FROM rating_window_day "
        "WHERE window_id = :hall"), {"hall": rollup.HALL}).scalar_one()
    click.echo(f"rollups rebuilt: {counted} counted ratings")
