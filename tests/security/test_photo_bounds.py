"""Hostile photo uploads on the public QR page cost little: a 40-megapixel PNG (a few KB on
the wire) is refused from its header before a pixel is decoded; the largest photo accepted
(12 MP) is decoded at the size we keep; attempts count before decoding.

Time and peak memory of one upload are measured in a fresh process each (peak RSS is per
process), beside a baseline upload of an ordinary phone photo in the same run.
"""
import io
import multiprocessing
import resource
import time
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.timeout(180)


def _png_bomb(path: Path) -> None:
    Image.new("L", (8000, 5000)).save(path, format="PNG", optimize=True)  # 40 MP


def _jpeg(path: Path, size) -> None:
    gradient = Image.linear_gradient("L").resize(size)
    Image.merge("RGB", (gradient, gradient.rotate(90, expand=False), gradient)).save(
        path, format="JPEG", quality=85)


def _one_upload(folder: str, photo: str, results) -> None:
    from kiosk import create_app
    from kiosk.extensions import db
    from kiosk.seed import seed_demo
    from tests.mobile.helpers import csrf_from

    app = create_app({"TESTING": True, "INSTANCE_PATH": folder, "SECRET_KEY": "k" * 32,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/hall.db"})
    with app.app_context():
        db.create_all()
        seed_demo()
    client = app.test_client()
    data = {"csrf_token": csrf_from(client, "/m/w/A01"), "level": "2", "comment": "",
            "identity": "anonymous", "phone": "",
            "photos": [(io.BytesIO(Path(photo).read_bytes()), Path(photo).name)]}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    r = client.post("/m/w/A01", data=data, content_type="multipart/form-data")
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    results.put((r.status_code, seconds, peak_kb / 1024, r.get_data(as_text=True)))


def measure(folder: Path, photo: Path):
    folder.mkdir()
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    child = ctx.Process(target=_one_upload, args=(str(folder), str(photo), results))
    child.start()
    outcome = results.get(timeout=150)
    child.join(timeout=30)
    return outcome


def test_one_hostile_upload_is_cheap(tmp_path):
    ordinary, largest, bomb = tmp_path / "phone.jpg", tmp_path / "12mp.jpg", tmp_path / "b.png"
    _jpeg(ordinary, (1600, 1200))
    _jpeg(largest, (4000, 3000))
    _png_bomb(bomb)
    base_status, base_s, base_mb, _ = measure(tmp_path / "base", ordinary)
    big_status, big_s, big_mb, _ = measure(tmp_path / "big", largest)
    bomb_status, bomb_s, bomb_mb, page = measure(tmp_path / "bomb", bomb)
    print(f"\nbaseline 1.9 MP JPEG ({ordinary.stat().st_size // 1024} KB): {base_s * 1000:.0f} ms,"
          f" +{base_mb:.1f} MB peak")
    print(f"12 MP JPEG ({largest.stat().st_size // 1024} KB): {big_s * 1000:.0f} ms,"
          f" +{big_mb:.1f} MB peak (x{big_s / base_s:.1f} time)")
    print(f"40 MP PNG ({bomb.stat().st_size // 1024} KB): {bomb_s * 1000:.0f} ms,"
          f" +{bomb_mb:.1f} MB peak (x{bomb_s / base_s:.2f} time)")
    assert (base_status, big_status) == (302, 302)
    assert bomb_status == 422 and "像素过多" in page
    # The first release: ~2 s and +330 MB for the bomb. Now it never reaches the decoder.
    assert bomb_mb < 30 and bomb_s < max(1.0, 2 * base_s)
    assert big_mb < 150
