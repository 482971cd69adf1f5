"""The notifier interface: one send, one outcome. Gateways plug in by profile name."""
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SendResult:
    ok: bool
    ref: str | None = None  # the gateway's message id, on success
    error: str | None = None  # what went wrong, never with the full phone number
    retry: bool = False  # a passing trouble (unreachable, 5xx, garbled answer): try again


class Notifier(Protocol):
    def send(self, phone: str, text: str) -> SendResult: ...

    def close(self) -> None: ...
