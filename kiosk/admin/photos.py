"""Staff photos: decoded by Pillow (so only real images pass), cropped to 240×320,
re-encoded as JPEG without metadata, stored under the instance folder."""
import io
import secrets
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

PHOTO_SIZE = (240, 320)
PHOTO_DIR = "staff_photos"
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP"}
MAX_PIXELS = 40_000_000  # a camera photo is ~12–50 MP; anything far larger is a bomb


class PhotoRefused(ValueError):
    pass


def normalise_photo(data: bytes) -> bytes:
    """JPEG bytes of a 240×320 portrait; PhotoRefused if data is not a usable image."""
    from PIL import Image, ImageOps, UnidentifiedImageError
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                probe.verify()
            if fmt not in ACCEPTED_FORMATS:
                raise PhotoRefused(_l("不支持的图片格式，请上传 JPEG 或 PNG。"))
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise PhotoRefused(_l("图片过大，请上传小于 4000 万像素的照片。"))
                img.load()
                img = ImageOps.exif_transpose(img)  # honour the camera's rotation, then drop EXIF
                portrait = ImageOps.fit(img.convert("RGB"), PHOTO_SIZE, Image.Resampling.LANCZOS)
    except PhotoRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRefused(_l("无法识别的图片文件，请上传 JPEG 或 PNG 照片。")) from exc
    out = io.BytesIO()
    portrait.save(out, "JPEG", quality=85, optimize=True)  # no exif= argument: no metadata
    return out.getvalue()


def photo_folder() -> Path:
    return Path(current_app.instance_path) / PHOTO_DIR


def store_photo(staff_id: int, jpeg: bytes) -> str:
    """Writes a new file (a new name each time, so caches never show an old face)."""
    folder = photo_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{staff_id}-{secrets.token_hex(8)}.jpg"
    (folder / name).write_bytes(jpeg)
    return name


def remove_photo(name: str | None) -> None:
    if name:
        (photo_folder() / Path(name).name).unlink(missing_ok=True)


def photo_path(name: str) -> Path:
    return photo_folder() / Path(name).name
