"""Upstream profiles: one module per upstream format, chosen per upstream in UPSTREAMS.

"hub" is our own hub (the outbox path in kiosk/sync/worker.py); every other profile is a
Profile (base.py) sent by kiosk/sync/profile_worker.py. To add a province: a module with a
PROFILE and one line below (docs/interop.md "Adding a province").
"""
import importlib

from kiosk.sync.profiles.base import Profile

HUB = "hub"
MODULES = {
    "national": "kiosk.sync.profiles.national",
    "zhejiang": "kiosk.sync.profiles.zhejiang",
    "fujian": "kiosk.sync.profiles.fujian",
    "anhui": "kiosk.sync.profiles.anhui",
}


def names() -> list[str]:
    return [HUB, *MODULES]


def get(name: str) -> Profile:
    if name not in MODULES:
        raise ValueError(f"unknown upstream profile {name!r}; known: {names()}")
    return importlib.import_module(MODULES[name]).PROFILE
