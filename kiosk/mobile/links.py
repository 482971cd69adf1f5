"""The URLs printed in QR codes: the hall's public base URL, else this request's host."""
import sqlalchemy as sa
from flask import request, url_for

from kiosk.extensions import db
from kiosk.mobile.qr import join_url
from kiosk.models import Hall


def public_base_url() -> str:
    hall = db.session.scalars(sa.select(Hall).limit(1)).first()
    return (hall.public_base_url if hall and hall.public_base_url else request.host_url)


def public_url(endpoint: str, **values) -> str:
    return join_url(public_base_url(), url_for(endpoint, **values))
