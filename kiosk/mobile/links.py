"""The URLs printed in QR codes: the hall's public base URL, else this request's host."""
from flask import request, url_for

from kiosk.lookups import current_hall
from kiosk.mobile.qr import join_url


def public_base_url() -> str:
    hall = current_hall()
    return (hall.public_base_url if hall and hall.public_base_url else request.host_url)


def public_url(endpoint: str, **values) -> str:
    return join_url(public_base_url(), url_for(endpoint, **values))
