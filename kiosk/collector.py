"""Pauses Python's cyclic garbage collector while a big batch is read and stored.

A hub batch is thousands of small dicts and tuples that live until the batch is answered.
Allocating them sets off collections that walk all of them again and again, a full one
now and then: measured, a full collection cost ~100 ms on a 5,000-record batch, a third of
the batch's own work. The records hold no reference cycles, so reference counting frees
them when the batch ends; the collector runs again as soon as no batch is in hand.
Threads share the collector, so it stays paused while any of them holds a batch.
"""
import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_resume = False  # whether the collector was running when the first holder paused it


@contextmanager
def paused() -> Iterator[None]:
    global _holders, _resume
    with _lock:
        if _holders == 0:
            _resume = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _resume:
                gc.enable()
