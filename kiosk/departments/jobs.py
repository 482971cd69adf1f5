"""An import from the admin runs beside the request: a 50,000-row file takes a minute to
check and as long again to write, longer than a browser or proxy waits.

start() runs the check (dry run) or the write in a thread of the web process and returns
at once; the job's state is a small JSON file beside the upload (instance/imports/
<upload>.json), so whichever web worker serves the status page can read it. The import
itself is run_import(): nothing is written when any row is bad.
"""
import json
import logging
import os
import threading
from dataclasses import asdict
from pathlib import Path

from kiosk.departments.imports import ImportReport, run_import
from kiosk.extensions import db

log = logging.getLogger(__name__)
CHECKING, CHECKED, WRITING, DONE, FAILED = "checking", "checked", "writing", "done", "failed"
RUNNING = (CHECKING, WRITING)


def state_path(upload: Path) -> Path:
    return upload.with_name(upload.name + ".json")


def _save(upload: Path, state: dict) -> None:
    """Whole or not at all: a reader never sees half a file."""
    target = state_path(upload)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(state, out, ensure_ascii=False)
    os.replace(tmp, target)


def read(upload: Path) -> tuple[str, ImportReport | None, dict] | None:
    """(state, report when there is one, the job's facts), or None for no such job."""
    try:
        state = json.loads(state_path(upload).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    report = ImportReport(**state["report"]) if state.get("report") else None
    if state["state"] in RUNNING and not _alive(state.get("pid")):
        return FAILED, None, state  # its web process ended (restart) before it finished
    return state["state"], report, state


def _alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, TypeError, ValueError):
        return False
    return True


def start(app, kind: str, upload: Path, *, dry_run: bool, actor: str,
          source_name: str = "") -> None:
    facts = {"kind": kind, "actor": actor, "source": source_name, "pid": os.getpid()}
    _save(upload, {"state": CHECKING if dry_run else WRITING, **facts})
    threading.Thread(target=_run, args=(app, kind, upload, dry_run, facts), daemon=True,
                     name=f"import-{upload.stem[:8]}").start()


def _run(app, kind: str, upload: Path, dry_run: bool, facts: dict) -> None:
    with app.app_context():
        try:
            report = run_import(kind, upload, dry_run=dry_run, actor=facts["actor"],
                                source_name=facts["source"])
        except Exception:  # the page says so; the details go to the log
            log.exception("import of %s failed", upload.name)
            _save(upload, {"state": FAILED, **facts})
            upload.unlink(missing_ok=True)
            return
        finally:
            db.session.remove()
    if not report.ok or not dry_run:
        upload.unlink(missing_ok=True)  # nothing more to do with the file
    _save(upload, {"state": CHECKED if dry_run else DONE, "report": asdict(report), **facts})


def forget(upload: Path) -> None:
    upload.unlink(missing_ok=True)
    state_path(upload).unlink(missing_ok=True)
