"""What every install path produces, and the small things every page carries."""
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_login_banner_is_translated(client):
    r = client.get("/admin/", follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "请先登录后再访问此页面。" in page and "Please log in" not in page
    english = client.get("/admin/?lang=en", follow_redirects=True).get_data(as_text=True)
    assert "Please sign in to see this page." in english


def test_favicon_is_linked_and_served(client):
    assert 'rel="icon"' in client.get("/touch/A01").get_data(as_text=True)
    r = client.get("/favicon.ico", follow_redirects=True)
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"


def test_build_assets_compiles_the_catalogue(tmp_path):
    mo = ROOT / "translations/en/LC_MESSAGES/messages.mo"
    mo.unlink(missing_ok=True)
    subprocess.run(["bash", "scripts/build_assets.sh"], cwd=ROOT, check=True,
                   capture_output=True)
    assert mo.stat().st_size > 10_000
    if shutil.which("espeak-ng"):  # voice files exactly where the page looks for them
        assert (ROOT / "static/audio/zh_CN/invite.wav").stat().st_size > 1000
