"""The touchscreen's voice prompts are made by `make venv` (so by `make run` and `make test`,
installing Debian's espeak-ng when missing) and served: the browser's voice is a fallback."""
import os
import re
import subprocess
import wave
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AUDIO = ROOT / "static" / "audio"
LANGS = ("zh_CN", "en")


def prompt_keys() -> list[str]:
    """Every prompt voice.js asks for: its say("…") keys and one per level."""
    js = (ROOT / "static/touch/voice.js").read_text()
    keys = set(re.findall(r'say\("([a-z-]+)",', js))
    assert 'say("level-" + ' in js
    return sorted(keys | {f"level-{n}" for n in range(1, 6)})


@pytest.mark.timeout(180)
def test_make_venv_makes_every_prompt_in_both_languages():
    files = [AUDIO / lang / f"{key}.wav" for lang in LANGS for key in prompt_keys()]
    for f in files:  # older than their sources: make must speak them again
        if f.exists():
            os.utime(f, (0, 0))
    # -o: the virtualenv counts as installed (this test must not run pip on a shared venv).
    subprocess.run(["make", "-s", "-o", ".venv/.installed", "venv"], cwd=ROOT, check=True,
                   capture_output=True, timeout=170)
    for f in files:
        assert f.stat().st_mtime > 0, f"{f} was not made again"
        with wave.open(str(f)) as w:
            assert w.getnframes() / w.getframerate() > 0.3, f


def test_the_prompts_are_served_and_the_page_uses_them(client):
    for lang in LANGS:
        page = client.get(f"/touch/A01?lang={lang}").get_data(as_text=True)
        assert 'data-audio-files="on"' in page
        base = re.search(r'data-audio-base="([^"]+)"', page).group(1)
        for key in prompt_keys():
            r = client.get(f"{base}{lang}/{key}.wav")
            assert r.status_code == 200, f"{base}{lang}/{key}.wav"
            assert r.mimetype in ("audio/wav", "audio/x-wav") and r.data[:4] == b"RIFF"
            r.close()
