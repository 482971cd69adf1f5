"""Citizen photos: read with a size cap, decoded by Pillow, stripped of metadata, re-encoded.

A photo is never stored as uploaded: EXIF (GPS position, phone model) and anything hidden in
the file is dropped by decoding the pixels and encoding them anew.

Decoding is the costly part, and the public QR page lets anyone start it, so: the pixel
count is read from the header and refused above MAX_PIXELS before a pixel is decoded; JPEGs
are decoded straight at the reduced size we keep; and at most DECODE_SLOTS decodes run at
once per process (others wait up to DECODE_WAIT_SECONDS, then are told to retry).
The caller counts the attempt (kiosk.ratelimit) before calling in here."""
import hashlib
import io
import secrets
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from kiosk.ratings.errors import RatingError

if TYPE_CHECKING:  # Pillow itself is imported where a photo is decoded
    from PIL import Image

MAX_PHOTOS = 5
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 12_000_000  # a 12 MP phone camera; a larger "photo" costs more than it shows
DECODE_SLOTS = 2  # per worker process: a burst of uploads queues instead of eating memory
DECODE_WAIT_SECONDS = 10
MAX_SIDE = 2560  # re-encoded photos are scaled down to this: enough to see, light to store
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}
PHOTO_DIR = "mobile_photos"


@dataclass
class CleanPhoto:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _refuse(code: str, message) -> RatingError:
    return RatingError(code, message, status=422)


def uploaded_files(files) -> list:
    """The non-empty file parts of a form field (a browser sends one empty part for none)."""
    return [f for f in files or [] if f is not None and getattr(f, "filename", "")]


_decode_slots = threading.BoundedSemaphore(DECODE_SLOTS)


def clean_photos(files) -> list[CleanPhoto]:
    """All photos of one submission, or a RatingError naming the first bad one."""
    files = uploaded_files(files)
    if len(files) > MAX_PHOTOS:
        raise _refuse("too_many_photos", _l("最多上传 %(n)d 张照片。", n=MAX_PHOTOS))
    return [clean_photo(f, i + 1) for i, f in enumerate(files)]


@contextmanager
def _decode_slot():
    if not _decode_slots.acquire(timeout=DECODE_WAIT_SECONDS):
        raise RatingError("photos_busy", _l("照片处理繁忙，请稍后再提交。"), status=503)
    try:
        yield
    finally:
        _decode_slots.release()


def clean_photo(file, number: int = 1) -> CleanPhoto:
    from PIL import Image, UnidentifiedImageError
    raw = file.stream.read(MAX_PHOTO_BYTES + 1)
    if len(raw) > MAX_PHOTO_BYTES:
        raise _refuse(
            "photo_too_large",
            _l("第 %(i)d 张照片超过 %(mb)d MB，请压缩后再上传。", i=number,
               mb=MAX_PHOTO_BYTES // (1024 * 1024)),
        )
    not_an_image = _refuse(
        "photo_not_image", _l("第 %(i)d 张文件不是 JPEG 或 PNG 图片。", i=number)
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=list(FORMATS))  # the header only
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise not_an_image from exc
    if image.width * image.height > MAX_PIXELS:
        raise _refuse("photo_too_many_pixels", _l(
            "第 %(i)d 张照片像素过多（最多约 %(mp)d 百万像素），请缩小后再上传。", i=number,
            mp=MAX_PIXELS // 1_000_000))
    with _decode_slot():
        try:
            if image.format == "JPEG":
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at (about) the kept size
            image.load()
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            raise not_an_image from exc
        content_type, extension = FORMATS[image.format]
        return _reencode(image, content_type, extension)


def _reencode(image: "Image.Image", content_type: str, extension: str) -> CleanPhoto:
    from PIL import Image, ImageOps
    image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if extension == "jpg":
        image = image.convert("RGB")
        pixels = Image.new("RGB", image.size)
        pixels.paste(image)
        pixels.save(out, format="JPEG", quality=85, optimize=True)
    else:
        mode = "RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB"
        pixels = Image.new(mode, image.size)
        pixels.paste(image.convert(mode))
        pixels.save(out, format="PNG", optimize=True)
    return CleanPhoto(out.getvalue(), content_type, extension, pixels.width, pixels.height)


def write_photos(instance_path: str, rating_id, photos: list[CleanPhoto]) -> list[str]:
    """Writes the files; returns their paths relative to the instance folder."""
    folder = Path(instance_path) / PHOTO_DIR / str(rating_id)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        for photo in photos:
            relative = f"{PHOTO_DIR}/{rating_id}/{secrets.token_hex(12)}.{photo.extension}"
            (Path(instance_path) / relative).write_bytes(photo.data)
            written.append(relative)
    except OSError:
        remove_photos(instance_path, written)
        raise
    return written


def remove_photos(instance_path: str, relative_paths: list[str]) -> None:
    """Undoes write_photos when the database commit that should reference them failed."""
    for relative in relative_paths:
        (Path(instance_path) / relative).unlink(missing_ok=True)
