"""flask sync …: run the daemon, see its state, configure the upstream."""
import threading
from pathlib import Path

import click
from flask import current_app

from kiosk.extensions import db
from kiosk.models.base import utcnow
from kiosk.sync import bp, settings, store
from kiosk.sync.lock import AlreadyRunning, InstanceLock
from kiosk.sync.worker import Worker, drain, run_forever, stop_on_signals
from kiosk.timeutil import iso_utc, to_local


def _worker() -> Worker:
    try:
        return Worker(db.engine, settings.load(current_app))
    except settings.NotConfigured as exc:
        raise click.ClickException(str(exc)) from exc


@bp.cli.command("run")
@click.option("--once", is_flag=True, help="Send until the outbox is empty (or the hub fails).")
def run(once: bool) -> None:
    """The sync daemon (a process of its own; stop it with SIGTERM)."""
    worker = _worker()
    try:
        with InstanceLock(Path(current_app.instance_path) / "sync.lock"):
            released = store.release_all_claims(db.engine)
            if released:
                click.echo(f"sync: released {released} rows claimed by a previous run")
            if once:
                r = drain(worker)
                click.echo(f"sync: {r.stored} stored, {r.duplicate} duplicate, "
                           f"{r.rejected} rejected")
                if r.error:
                    raise click.ClickException(r.error)
                return
            stop = threading.Event()
            stop_on_signals(stop)
            click.echo(f"sync: sending to {worker.settings.url} as {worker.settings.hall_id}")
            run_forever(worker, stop, log=lambda m: click.echo(m, err=True))
            click.echo("sync: stopped")
    except AlreadyRunning as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        worker.close()


def _age(then, now) -> str:
    if then is None:
        return "-"
    seconds = int((now - then).total_seconds())
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m{seconds % 60:02d}s"


def _local(t) -> str:
    return "-" if t is None else to_local(t).strftime("%Y-%m-%d %H:%M:%S") + " (北京时间)"


@bp.cli.command("status")
def status() -> None:
    """Backlog, oldest unsynced age, last success and last error."""
    now = utcnow()
    b = store.backlog(db.engine)
    s = store.read_state(db.engine)
    upstream = current_app.config.get("SYNC_URL") or "(not configured)"
    click.echo(f"upstream:        {upstream} as {current_app.config.get('SYNC_HALL_ID') or '-'}")
    click.echo(f"backlog:         {b.pending}")
    click.echo(f"oldest unsynced: {_age(b.oldest_at, now)}  ({iso_utc(b.oldest_at) or '-'})")
    click.echo(f"dead letters:    {b.dead}")
    click.echo(f"last success:    {_local(s.last_success_at if s else None)}")
    if s and s.last_error:
        click.echo(f"last error:      {_local(s.last_error_at)}: {s.last_error}")
        click.echo(f"failures in row: {s.consecutive_failures}")
    else:
        click.echo("last error:      -")


@bp.cli.command("dead")
@click.option("--requeue", is_flag=True, help="Send all parked rows again.")
def dead(requeue: bool) -> None:
    """Rows the hub rejected (dead letters), with the hub's reason."""
    if requeue:
        click.echo(f"{store.requeue_dead(db.engine)} rows queued again")
        return
    for row in store.dead_letters(db.engine):
        click.echo(f"{row.id}\t{row.kind}\t{row.record_id}\t{iso_utc(row.created_at)}\t"
                   f"{row.last_error}")


@bp.cli.command("configure")
@click.option("--url", required=True, help="Base URL of the hub.")
@click.option("--hall-id", required=True)
@click.option("--key", prompt=True, hide_input=True, help="The key `flask hub add-hall` printed.")
def configure(url: str, hall_id: str, key: str) -> None:
    """Writes SYNC_* into instance/config.json and the key into instance/sync_key (0600)."""
    settings.configure(Path(current_app.instance_path), url, hall_id, key)
    click.echo(f"sync configured: {url} as {hall_id}")
