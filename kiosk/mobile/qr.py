"""QR code images (pure: no Flask, no database)."""
import io

import qrcode
import qrcode.constants
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathImage

# M (15 %) survives a scuffed or partly covered poster and keeps a short URL at version 3–4.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
QUIET_ZONE = 4  # modules of white border: readers need it


def _code(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=QUIET_ZONE, box_size=10)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_png(url: str, box_size: int = 10) -> bytes:
    """A black-on-white PNG; box_size pixels per module."""
    code = _code(url)
    code.box_size = box_size
    out = io.BytesIO()
    code.make_image(image_factory=PilImage).save(out, format="PNG")
    return out.getvalue()


def qr_svg(url: str) -> str:
    """A scalable SVG (one path), for posters and the touchscreen."""
    image = _code(url).make_image(image_factory=SvgPathImage)
    return image.to_string(encoding="unicode")


def join_url(base: str, path: str) -> str:
    """The public base URL (e.g. https://hall.example/ or http://10.0.0.5:8080) plus a path."""
    return base.rstrip("/") + "/" + path.lstrip("/")
