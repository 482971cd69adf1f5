"""What the window touchscreen needs to show the one-time QR code of the open invitation."""
from flask import url_for

from kiosk.mobile.links import public_url
from kiosk.mobile.tokens import token_for_invitation


def mobile_qr_for(invitation) -> dict | None:
    """{"url": what the code opens, "image_url": the SVG to show}, or None."""
    if invitation is None:
        return None
    token = token_for_invitation(invitation)
    if token is None:
        return None
    return {
        "url": public_url("mobile.rate_invited", token=token),
        "image_url": url_for("mobile.token_qr", token=token),
    }
