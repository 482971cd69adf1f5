"""flask integrity …: check the hall's own chain; declare a restore from backup."""
import click
from flask import current_app
from flask.cli import AppGroup

from kiosk.extensions import db
from kiosk.integrity import local
from kiosk.models import ChainHead
from kiosk.models.audit import audit

integrity_cli = AppGroup("integrity", help="The hall's tamper-evident record chain.")


@integrity_cli.command("verify")
def verify_command() -> None:
    """Re-hashes every record queued upstream, in order; exit status 1 if the chain is broken."""
    verdict = local.verify(db.engine, with_ratings=current_app.config.get("ROLE") != "hub")
    head = verdict.head
    click.echo(f"checked {verdict.checked} records; newest seq "
               f"{head.seq if head else '-'}")
    for p in verdict.problems:
        click.echo(f"  {p.kind} at seq {p.seq}: {p.detail}", err=True)
    if not verdict.intact:
        raise click.ClickException(f"chain broken: {len(verdict.problems)} problem(s)")
    click.echo("chain intact")


@integrity_cli.command("declare-restore")
@click.option("--note", required=True, help="What was restored, from which backup, and why.")
@click.option("--actor", required=True, help="Who restored it (name or account).")
def declare_restore_command(note: str, actor: str) -> None:
    """After restoring this hall from a backup (sync daemon stopped): tell the hub that the
    chain now ends at this backup's head, so what follows is not taken for tampering."""
    from kiosk.sync import settings
    from kiosk.sync.client import HubClient, HubError

    head = db.session.get(ChainHead, 1)
    if head is None:
        raise click.ClickException("this hall has no chain yet: nothing to declare")
    verdict = local.verify(db.engine, with_ratings=False)
    if not verdict.intact:
        raise click.ClickException("the restored chain is itself broken; run "
                                   "`flask integrity verify` and restore an intact backup")
    try:
        client = HubClient(settings.load(current_app))
    except settings.NotConfigured as exc:
        raise click.ClickException(f"no hub configured: {exc}") from exc
    try:
        answer = client.declare_restore(seq=head.seq, digest=head.hash, note=note)
    except HubError as exc:
        raise click.ClickException(f"the hub did not take the declaration: {exc}") from exc
    finally:
        client.close()
    audit(actor, "declare_restore", "chain_head", 1,
          after={"seq": head.seq, "hash": head.hash, "note": note, "hub": answer})
    db.session.commit()
    click.echo(f"declared: chain restored to seq {head.seq}; the hub had seq "
               f"{answer.get('hub_seq_before')}, set aside {answer.get('retired')} later links")
    above = answer.get("upstream")
    if isinstance(above, dict):
        click.echo(f"passed up: the hub above had seq {above.get('hub_seq_before')}, "
                   f"set aside {above.get('retired')} later links")
    if any(isinstance(a, dict) and not a.get("matches", True) for a in (answer, above)):
        click.echo("a hub knew a different record at that seq: it recorded an incident",
                   err=True)
