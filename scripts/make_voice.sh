#!/usr/bin/env bash
# Voice prompts for the touchscreen, made offline with espeak-ng (apt-get install espeak-ng):
# static/audio/<zh_CN|en>/<invite|level-N|thanks|more-time>.wav, 11 kHz 8-bit mono (small).
# The texts are the same translated messages the page shows. The browser plays these only
# when it has no speech-synthesis voice of its own for the page's language (voice.js).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v espeak-ng >/dev/null; then
  echo "espeak-ng is not installed: the touchscreen will use the browser's own voices only" >&2
  exit 0
fi
.venv/bin/python -W ignore::DeprecationWarning - <<'PY'
import audioop  # deprecated in 3.13; fine on the 3.11 venv, and only at build time
import subprocess
import wave
from io import BytesIO
from pathlib import Path

from flask_babel import force_locale, gettext

from kiosk import create_app

PROMPTS = {
    "invite": "请您对本次服务作出评价", "thanks": "感谢您的评价！", "more-time": "需要更多时间吗？",
    "level-1": "非常满意", "level-2": "满意", "level-3": "基本满意", "level-4": "不满意",
    "level-5": "非常不满意",
}
VOICES = {"zh_CN": "cmn", "en": "en-gb"}
RATE = 11025

app = create_app({"SECRET_KEY": "voice", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
with app.test_request_context():
    for locale, voice in VOICES.items():
        out = Path("static/audio") / locale
        out.mkdir(parents=True, exist_ok=True)
        with force_locale(locale):
            for key, msgid in PROMPTS.items():
                text = gettext(msgid)
                raw = subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "--stdout", text],
                                     check=True, capture_output=True).stdout
                with wave.open(BytesIO(raw)) as src:
                    frames = src.readframes(src.getnframes())
                    width, rate = src.getsampwidth(), src.getframerate()
                frames, _ = audioop.ratecv(frames, width, 1, rate, RATE, None)
                frames = audioop.bias(audioop.lin2lin(frames, width, 1), 1, 128)  # 8-bit is unsigned
                with wave.open(str(out / f"{key}.wav"), "wb") as dst:
                    dst.setnchannels(1)
                    dst.setsampwidth(1)
                    dst.setframerate(RATE)
                    dst.writeframes(frames)
        print(f"{out}: {len(PROMPTS)} prompts")
PY
