"""The hub's HTTP side: the machine API for halls, and appeals for people (the overview
and the halls' pages: kiosk/hub/pages.py)."""
import json

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from kiosk import collector
from kiosk.auth.decorators import role_required
from kiosk.extensions import db
from kiosk.hub import bp, chain_check, drilldown, forwarded_appeals, restore_relay, tenancy
from kiosk.hub.auth import Refused, authenticate
from kiosk.hub.ingest import ingest_batch
from kiosk.hub.published import published_config
from kiosk.i18n import select_locale
from kiosk.integrity.chain import MAX_SEQ, is_hash
from kiosk.models.audit import audit
from kiosk.models.base import utcnow
from kiosk.ratings.levels import LEVEL_NAMES, LEVEL_NAMES_EN
from kiosk.sync.client import HubError
from kiosk.sync.settings import NotConfigured
from kiosk.sync.wire import (
    LINES_TYPE,
    MAX_BATCH_RECORDS,
    BodyTooLarge,
    Lines,
    decode_lines,
    encode_answer,
    gunzip_bytes,
    gzip_bytes,
    parse_json,
)
from kiosk.timeutil import to_local

GZIP_ANSWER_OVER = 1024


def _refusal(exc: Refused):
    return jsonify({"error": exc.public_reason}), exc.status


def _json_answer(payload: dict, status: int = 200) -> Response:
    body = encode_answer(payload)
    response = Response(body, status=status, mimetype="application/json")
    if len(body) > GZIP_ANSWER_OVER and "gzip" in request.headers.get("Accept-Encoding", ""):
        response.set_data(gzip_bytes(body))
        response.headers["Content-Encoding"] = "gzip"
    return response


def _read_batch(raw: bytes) -> tuple[dict, Lines | None]:
    """The batch, and for one sent as lines (kiosk/sync/wire.py) each record's text."""
    encoding = request.headers.get("Content-Encoding", "identity").lower()
    limit = current_app.config.get("HUB_MAX_BATCH_BYTES", 16 * 1024 * 1024)
    try:
        body = gunzip_bytes(raw, limit) if encoding == "gzip" else raw
    except BodyTooLarge:
        abort(413, "batch too large")
    except ValueError as exc:
        abort(400, str(exc))
    if encoding not in ("gzip", "identity"):
        abort(415, "Content-Encoding must be gzip or identity")
    lines = None
    try:
        if request.mimetype == LINES_TYPE:
            lines = decode_lines(body)
            batch = {**lines.header, "items": lines.items}
        else:
            batch = parse_json(body)
    except ValueError:
        abort(400, "body is not JSON")
    if not isinstance(batch, dict) or not isinstance(batch.get("items"), list):
        abort(400, "a batch is an object with an items list")
    if len(batch["items"]) + (len(lines.refused) if lines else 0) > MAX_BATCH_RECORDS:
        abort(413, f"at most {MAX_BATCH_RECORDS} records per batch")
    return batch, lines


@bp.post("/api/v1/batches")
def receive_batch():
    raw = request.get_data(cache=False)
    try:
        hall, key = authenticate(request, raw)
    except Refused as exc:
        return _refusal(exc)
    with collector.paused():
        batch, lines = _read_batch(raw)
        if batch.get("hall") not in (None, hall.code):
            abort(400, "batch.hall does not match X-Hall-Id")
        try:
            outcome = ingest_batch(hall, key, batch, utcnow(), lines)
        except chain_check.BadRun as exc:
            abort(400, str(exc))
        return _json_answer(outcome.answer(str(batch.get("batch_id"))))


@bp.post("/api/v1/integrity/restore")
def declare_restore():
    """A hall restored from a backup says where its chain now ends (audited here too); a
    hub below passes such a declaration up for a hall it forwards for (body "hall"). A hub
    that forwards the hall's records passes it up first (kiosk/hub/restore_relay.py)."""
    raw = request.get_data(cache=False)
    try:
        sender, _key = authenticate(request, raw)
    except Refused as exc:
        return _refusal(exc)
    try:
        body = json.loads(raw)
    except ValueError:
        abort(400, "body is not JSON")
    if not isinstance(body, dict):
        abort(400, "body is a JSON object")
    seq, digest, note = body.get("seq"), body.get("hash"), body.get("note")
    if (type(seq) is not int or not 0 <= seq <= MAX_SEQ or not is_hash(digest)
            or not isinstance(note, str) or not note.strip()):
        abort(400, "seq (integer), hash (64 hex digits) and a note are required")
    hall = body.get("hall", sender.code)
    if not isinstance(hall, str) or not hall:
        abort(400, "hall, if given, is a hall code")
    if hall != sender.code and not tenancy.forwards(sender, hall):
        abort(403, f"{sender.code} does not forward for hall {hall}: it may declare a "
                   "restore only for itself and the halls it forwards for")
    upstream = _passed_up(hall, seq, digest, note)
    answer = chain_check.declare_restore(db.session.connection(), hall, seq, digest,
                                         note, utcnow())
    actor = f"hall:{hall}" if hall == sender.code else f"hub:{sender.code} for hall:{hall}"
    audit(actor, "declare_restore", "hub_chain_head", hall,
          after={**answer, "hash": digest, "note": note[:300],
                 **({"upstream": upstream} if upstream is not None else {})})
    db.session.commit()
    return _json_answer({**answer, "upstream": upstream} if upstream is not None else answer)


def _passed_up(hall: str, seq: int, digest: str, note: str) -> dict | None:
    """The hub above's answer to the hall's declaration, None if this hub forwards nothing.
    Aborts (declaring nothing) while the hall's records are still on their way up, or if
    the hub above cannot be reached or refuses."""
    try:
        settings = restore_relay.upstream_hub(current_app)
    except NotConfigured as exc:
        abort(502, f"this hub forwards to a hub above but cannot reach it: {exc}")
    if settings is None:
        return None
    if restore_relay.pending_for(db.session.connection(), hall):
        abort(409, "records of this hall are still on their way upstream; try again shortly")
    try:
        return restore_relay.declare_above(settings, hall, seq, digest, note)
    except HubError as exc:
        abort(502, f"the hub above did not take the declaration: {exc}")


@bp.get("/api/v1/config")
def config():
    try:
        hall, _key = authenticate(request, request.get_data(cache=False))
    except Refused as exc:
        return _refusal(exc)
    return _json_answer(published_config(hall))


@bp.app_template_filter("hub_local_time")
def hub_local_time(utc_naive) -> str:
    return to_local(utc_naive).strftime("%Y-%m-%d %H:%M:%S")


@bp.get("/appeals")
@role_required("admin", "manager", "auditor")
def appeals():
    """Appeals halls forwarded for an upper-level decision (申诉复核)."""
    show = request.args.get("status", "pending")
    rows = forwarded_appeals.listing(None if show == "all" else "pending")
    return render_template("hub/appeals.html", rows=rows, show=show,
                           reasons_of=drilldown.reason_lookup(select_locale()),
                           level_names=LEVEL_NAMES_EN if select_locale() == "en" else LEVEL_NAMES,
                           may_decide=current_user.role in forwarded_appeals.DECIDING_ROLES)


@bp.post("/appeals/<appeal_id>")
@role_required("admin", "manager")
def decide_appeal(appeal_id: str):
    try:
        forwarded_appeals.decide(current_user, appeal_id, request.form.get("decision") == "accept",
                                 request.form.get("note", ""), utcnow())
    except forwarded_appeals.AppealError as exc:
        if exc.status in (403, 404):
            abort(exc.status, exc.message)
        flash(exc.message, "error")
    else:
        flash(_("已审核，结果将下发至大厅。"), "ok")
    return redirect(url_for("hub.appeals"))
