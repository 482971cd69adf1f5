"""flask backup …: online backups of the hall database and their restore."""
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from kiosk.db_setup import writer_lock_for
from kiosk.extensions import db
from kiosk.ops import backup

backup_cli = AppGroup("backup", help="Backups of the hall's SQLite database.")


def register(app: Flask) -> None:
    app.cli.add_command(backup_cli)


def _live_database() -> Path:
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise click.ClickException(
            "backup works on a hall's SQLite file; back a hub's PostgreSQL up with pg_dump "
            "(docs/deploy.md)")
    return Path(url.database)


def _backup_dir() -> Path:
    configured = current_app.config.get("BACKUP_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "backups"


@backup_cli.command("create")
@click.option("--to", "directory", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the backup (default BACKUP_DIR or <instance>/backups).")
@click.option("--keep", type=int, help="Keep this many newest backups (default BACKUP_KEEP).")
def create_command(directory: Path | None, keep: int | None) -> None:
    """Copy the live database (while it runs), verify it, then prune old backups."""
    keep = keep if keep is not None else int(current_app.config["BACKUP_KEEP"])
    try:
        path = backup.create(_live_database(), directory or _backup_dir(), keep)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written: {path} ({path.stat().st_size} bytes, integrity ok)")


@backup_cli.command("list")
@click.option("--in", "directory", type=click.Path(file_okay=False, path_type=Path))
def list_command(directory: Path | None) -> None:
    for path in backup.list_backups(directory or _backup_dir()):
        click.echo(f"{path}\t{path.stat().st_size}")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(file: Path, yes: bool) -> None:
    """Replace the live database by FILE (stop the web app, listener and sync daemon first)."""
    live = _live_database()
    problem = backup.integrity(file)
    if problem != "ok":
        raise click.ClickException(f"refusing {file}: integrity_check says {problem}")
    if not yes:
        click.confirm(f"Replace {live} with {file}?", abort=True)
    db.session.remove()
    db.engine.dispose()  # no pooled connection keeps an old snapshot open
    try:
        aside = backup.restore(file, live, writer_lock=writer_lock_for(db.engine))
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {file} into {live}; the previous database is kept at {aside}")
