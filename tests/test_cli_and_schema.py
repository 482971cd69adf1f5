"""Operator CLI and the migration history."""
import json
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from kiosk import create_app
from kiosk.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def test_token_create_prints_once_and_authenticates(app, client):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["tokens", "create", "queue-system"])
    assert out.exit_code == 0
    token = out.output.strip()
    assert len(token) >= 40
    r = client.post("/api/v1/invitations", json={"window": "A01", "case_no": "K-1"},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201
    listing = runner.invoke(args=["tokens", "list"]).output
    assert "queue-system" in listing and token not in listing
    assert runner.invoke(args=["tokens", "create", "queue-system"]).exit_code != 0


def test_export_jsonl_and_csv(app, client):
    token = client.get("/touch/A01/state").get_json()["csrf_token"]
    client.post("/touch/A01/rate", json={"level": 1}, headers={"X-CSRFToken": token})
    client.post("/touch/A01/rate", json={"level": 4, "reasons": ["R01", "R03"], "comment": "排队久, \"慢\"",
                                     "phone": "13812345678"}, headers={"X-CSRFToken": token})
    runner = app.test_cli_runner()
    lines = runner.invoke(args=["ratings", "export", "--format", "jsonl"]).output.splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["level"] for r in rows] == [1, 4]
    assert rows[1]["reasons"] == ["R01", "R03"] and rows[1]["real_name"] is True
    assert "13812345678" not in "\n".join(lines)
    csv_out = runner.invoke(args=["ratings", "export", "--format", "csv"]).output
    assert csv_out.splitlines()[0].startswith("id,rated_at,window")
    assert "R01;R03" in csv_out and '"排队久, ""慢"""' in csv_out


def test_windows_add_and_list(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["windows", "add", "E01", "测试窗口", "--scale", "3"]).exit_code == 0
    assert "E01\t测试窗口\t3级" in runner.invoke(args=["windows", "list"]).output


def test_migrations_build_exactly_the_models(tmp_path):
    """`flask db upgrade` from nothing yields the schema the models describe."""
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}"})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            assert diff == []
            assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 2  # FULL


def test_init_creates_instance_with_private_secret(tmp_path, monkeypatch):
    inst = tmp_path / "inst"
    monkeypatch.setenv("KIOSK_INSTANCE_PATH", str(inst))
    app = create_app()
    result = app.test_cli_runner().invoke(args=["init", "--hall-name", "测试中心"])
    assert result.exit_code == 0, result.output
    key = inst / "secret_key"
    assert key.exists() and (key.stat().st_mode & 0o077) == 0
    assert (inst / "hall.db").exists()
    assert app.config["SECRET_KEY"] == key.read_text().strip()


def test_flask_db_commands_run(tmp_path, monkeypatch):
    """`flask db upgrade` (deployment, make run, the web unit's ExecStartPre) exists although
    Flask-Migrate is bound only on first use."""
    monkeypatch.setenv("KIOSK_INSTANCE_PATH", str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    current = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "current"],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "(head)" in current.stdout, current.stdout + current.stderr
