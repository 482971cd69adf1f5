"""Wiring the SMS worker into the sync daemon, when the hall has a gateway."""
from flask import Flask
from sqlalchemy.engine import Engine

from kiosk.later.links import link_token
from kiosk.mobile.qr import join_url
from kiosk.models import Hall
from kiosk.notify import settings as sms_settings
from kiosk.notify.http_gateway import make_notifier
from kiosk.notify.worker import SmsWorker
from kiosk.sync.settings import NotConfigured
from kiosk.sync.upstreams import UpstreamSettings

NAME = "sms"


def sms_worker(app: Flask, engine: Engine, transport=None):
    """(descriptor, worker) for the daemon's list, or None without a gateway."""
    gateway = sms_settings.load(app)
    if gateway is None:
        return None
    with engine.connect() as conn:
        hall = conn.execute(Hall.__table__.select().limit(1)).first()
    base = hall.public_base_url if hall is not None else None
    if not base:
        raise NotConfigured("SMS needs the hall's public base URL (admin → settings): the "
                            "link in the message must open on the citizen's phone")
    secret = app.config["SECRET_KEY"]
    path = app.url_map.bind("localhost").build

    def link_for(invitation_id: int) -> str:
        return join_url(base, path("mobile.rate_later",
                                   {"token": link_token(invitation_id, secret)}))

    worker = SmsWorker(engine, gateway, make_notifier(gateway, transport), link_for,
                       hall_name=hall.name)
    return UpstreamSettings(name=NAME, profile="sms-" + gateway.profile, url=gateway.url), worker
