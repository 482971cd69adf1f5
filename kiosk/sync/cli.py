"""flask sync …: run the daemon, see its state, configure the upstream."""
import logging
import threading
from pathlib import Path

import click
from flask import current_app

from kiosk.extensions import db
from kiosk.models.base import utcnow
from kiosk.sync import bp, profiles, settings, store, upstreams
from kiosk.sync import delivery_store as ds
from kiosk.sync.daemon import build_workers, run_all
from kiosk.sync.lock import AlreadyRunning, InstanceLock
from kiosk.sync.worker import drain, stop_on_signals
from kiosk.timeutil import iso_utc, to_local


def _workers() -> list:
    try:
        return build_workers(current_app, db.engine)
    except settings.NotConfigured as exc:
        raise click.ClickException(str(exc)) from exc


def _report(name: str, r) -> str:
    return f"sync [{name}]: {r.summary()}"


@bp.cli.command("run")
@click.option("--once", is_flag=True, help="Send until nothing is due (or an upstream fails).")
def run(once: bool) -> None:
    """The sync daemon (a process of its own; stop it with SIGTERM). Feeds every upstream."""
    workers = _workers()
    try:
        with InstanceLock(Path(current_app.instance_path) / "sync.lock"):
            released = store.release_all_claims(db.engine)
            if released:
                click.echo(f"sync: released {released} rows claimed by a previous run")
            if once:
                errors = []
                for upstream, worker in workers:
                    r = drain(worker, parallel=getattr(worker, "in_flight", 1))
                    click.echo(_report(upstream.name, r))
                    if r.error:
                        errors.append(r.error)
                if errors:
                    raise click.ClickException("; ".join(errors))
                return
            stop = threading.Event()
            stop_on_signals(stop)
            for upstream, _ in workers:
                click.echo(f"sync: sending to {upstream.name} ({upstream.profile}) "
                           f"at {upstream.url}")
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
            run_all(workers, stop)
            click.echo("sync: stopped")
    except AlreadyRunning as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        for _, worker in workers:
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
    """Each upstream: backlog or per-record counts, last success and last error."""
    now = utcnow()
    for entry in upstreams.entries(current_app):
        if entry.get("profile") == profiles.HUB:
            _hub_status(entry, now)
        else:
            _profile_status(entry)
        click.echo("")


def _hub_status(entry: dict, now) -> None:
    b = store.backlog(db.engine)
    s = store.read_state(db.engine)
    url = entry.get("url") or current_app.config.get("SYNC_URL") or "(not configured)"
    hall_id = entry.get("hall_id") or current_app.config.get("SYNC_HALL_ID") or "-"
    click.echo(f"[{entry['name']}] profile hub")
    click.echo(f"upstream:        {url} as {hall_id}")
    click.echo(f"backlog:         {b.pending}")
    click.echo(f"oldest unsynced: {_age(b.oldest_at, now)}  ({iso_utc(b.oldest_at) or '-'})")
    click.echo(f"dead letters:    {b.dead}")
    click.echo(f"last success:    {_local(s.last_success_at if s else None)}")
    if s and s.last_error:
        click.echo(f"last error:      {_local(s.last_error_at)}: {s.last_error}")
        click.echo(f"failures in row: {s.consecutive_failures}")
    else:
        click.echo("last error:      -")


def _profile_status(entry: dict) -> None:
    name = entry.get("name", "?")
    counts = ds.counts(db.engine, name)
    click.echo(f"[{name}] profile {entry.get('profile')}")
    click.echo(f"upstream:        {entry.get('url') or '(not configured)'}")
    click.echo("records:         " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    failed = ds.last_error(db.engine, name)
    click.echo(f"last error:      {_local(failed.updated_at)}: {failed.last_error}"
               if failed else "last error:      -")


@bp.cli.command("held")
@click.option("--upstream", help="Only this upstream.")
@click.option("--release", is_flag=True,
              help="Check the held rows of --upstream again (after correcting the data).")
def held(upstream: str | None, release: bool) -> None:
    """Records held before sending, with the reason (never altered to pass)."""
    if release:
        if not upstream:
            raise click.ClickException("--release needs --upstream")
        click.echo(f"{ds.release_held(db.engine, upstream, utcnow())} rows to check again")
        return
    for row in ds.held_records(db.engine, upstream):
        click.echo(f"{row['upstream']}\t{row['record_id']}\t{row['case_no'] or '-'}\t"
                   f"{row['window_code'] or '-'}\t{row['reason']}")


@bp.cli.command("dead")
@click.option("--release", "--requeue", "release", is_flag=True,
              help="Send the listed dead letters again (after fixing their cause).")
@click.option("--upstream", help="Only this upstream.")
@click.argument("ids", nargs=-1, type=int)
def dead(release: bool, upstream: str | None, ids: tuple[int, ...]) -> None:
    """Dead letters: records the hub rejected, and records a province refused max_refusals
    times; with --release, sent again (IDS: only these; as listed in the first column)."""
    hub_names = {e["name"] for e in upstreams.entries(current_app)
                 if e.get("profile") == profiles.HUB}
    for_hub = upstream is None or upstream in hub_names
    if ids and upstream is None:
        raise click.ClickException("IDS need --upstream (each upstream numbers its own rows)")
    if release:
        n = store.requeue_dead(db.engine, list(ids) or None) if for_hub else 0
        if upstream is None or not for_hub:
            n += ds.release_dead(db.engine, utcnow(), upstream, list(ids) or None)
        click.echo(f"{n} rows queued again")
        return
    if for_hub:
        for row in store.dead_letters(db.engine):
            click.echo(f"{row.id}\thub\t{row.kind}\t{row.record_id}\t"
                       f"{iso_utc(row.created_at)}\t{row.last_error}")
    if upstream is None or not for_hub:
        for row in ds.dead_records(db.engine, upstream):
            click.echo(f"{row.id}\t{row.upstream}\t{row.kind}\t{row.record_id}\t"
                       f"{iso_utc(row.updated_at)}\t{row.refusals} refusals: {row.last_error}")


@bp.cli.command("configure")
@click.option("--url", required=True, help="Base URL of the hub.")
@click.option("--hall-id", required=True)
@click.option("--key", prompt=True, hide_input=True, help="The key `flask hub add-hall` printed.")
def configure(url: str, hall_id: str, key: str) -> None:
    """Writes SYNC_* into instance/config.json and the key into instance/sync_key (0600)."""
    settings.configure(Path(current_app.instance_path), url, hall_id, key)
    click.echo(f"sync configured: {url} as {hall_id}")
