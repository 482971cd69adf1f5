"""The URLs in QR codes: the hall's public base URL, else this request's host.

What is printed (window and hall QR codes, posters) is made only from the configured public
base URL: a poster outlives the request, and a request's Host header is whatever its sender
wrote, so a printed code could otherwise send every citizen to someone else's site.
"""
from flask import abort, request, url_for
from flask_babel import gettext as _

from kiosk.lookups import current_hall
from kiosk.mobile.qr import join_url


def public_base_url() -> str:
    hall = current_hall()
    return (hall.public_base_url if hall and hall.public_base_url else request.host_url)


def public_url(endpoint: str, **values) -> str:
    return join_url(public_base_url(), url_for(endpoint, **values))


def printable_url(endpoint: str, **values) -> str:
    """A URL to print; answers 409 with what to do while no public base URL is set."""
    hall = current_hall()
    if not (hall and hall.public_base_url):
        abort(409, _("请先在“大厅设置”中填写二维码公网地址，再生成或打印二维码。"))
    return join_url(hall.public_base_url, url_for(endpoint, **values))
