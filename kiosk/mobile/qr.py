"""QR code images (pure: no Flask, no database). qrcode (and Pillow for PNG) is imported
where an image is made: the listener and the sync daemon never pay for it."""
import io

QUIET_ZONE = 4  # modules of white border: readers need it


def _code(url: str):
    import qrcode
    import qrcode.constants

    # M (15 %) survives a scuffed or partly covered poster and keeps a short URL at v3–4.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE,
                         box_size=10)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_png(url: str, box_size: int = 10) -> bytes:
    """A black-on-white PNG; box_size pixels per module."""
    from qrcode.image.pil import PilImage

    code = _code(url)
    code.box_size = box_size
    out = io.BytesIO()
    code.make_image(image_factory=PilImage).save(out, format="PNG")
    return out.getvalue()


def qr_svg(url: str) -> str:
    """A scalable SVG (one path), for posters and the touchscreen."""
    from qrcode.image.svg import SvgPathImage

    image = _code(url).make_image(image_factory=SvgPathImage)
    return image.to_string(encoding="unicode")


def join_url(base: str, path: str) -> str:
    """The public base URL (e.g. https://hall.example/ or http://10.0.0.5:8080) plus a path."""
    return base.rstrip("/") + "/" + path.lstrip("/")
