"""A simulated RS-485 bus of EVP/1 devices, with fault injection.

EvpSimBus is a SimLine: the host's bytes go through a Decoder (so noise and
foreign bytes are handled exactly as a real device would), frames addressed to
a powered device are answered after the turnaround, and the answer is scheduled
on the line with byte timing. Thread-safe: tests and the control socket call
press()/faults from other threads while a transport moves bytes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable

from .. import evp
from .evp_device import EvpDevice
from .line import SimLine


class EvpSimBus(SimLine):
    def __init__(self, addresses: Iterable[int] = (1,), *, keys: int = 5, baud: int = 9600,
                 timing: bool = True, turnaround_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic, serial_prefix: str = "EVPSIM-",
                 power_on: bool = True) -> None:
        super().__init__(baud=baud, timing=timing, clock=clock)
        # Small turnaround (spec allows 20 ms) so bus efficiency measures the host.
        self.turnaround_s = (0.0005 if timing else 0.0) if turnaround_s is None else turnaround_s
        self.devices: dict[int, EvpDevice] = {}
        self._decoder = evp.Decoder()
        self._drop_requests: dict[int, int] = {}
        self._drop_answers: dict[int, int] = {}
        self._slow: dict[int, float] = {}
        self._noise_probability = 0.0
        self._noise_max_bytes = 4
        self._corrupt_probability = 0.0
        self._rng = random.Random(1)
        self.log: list[tuple[float, str, evp.Frame]] = []  # (time, "rx"/"tx", frame)
        self.keep_log = False
        now = clock()
        for addr in addresses:
            width = 16 - len(serial_prefix)
            device = EvpDevice(addr, keys=keys, serial=f"{serial_prefix}{addr:0{width}d}")
            self.devices[addr] = device
            if power_on:
                device.power_on(now)

    # ------------------------------------------------------------ host side
    def host_write(self, data: bytes, now: float) -> None:
        with self.lock:
            done_at = self.receive_time(len(data), now)
            for frame in self._decoder.feed(data):
                if self.keep_log:
                    self.log.append((done_at, "rx", frame))
                self._on_frame(frame, done_at)

    def _on_frame(self, frame: evp.Frame, done_at: float) -> None:
        if frame.cmd & evp.ANSWER_BIT:
            return  # another device's answer on the shared bus
        if self._take(self._drop_requests, frame.addr):
            return
        targets = self.devices.values() if frame.addr == evp.BROADCAST else (
            [self.devices[frame.addr]] if frame.addr in self.devices else [])
        for device in targets:
            answer = device.handle(frame, done_at)
            if answer is None:
                continue
            if self._take(self._drop_answers, frame.addr):
                continue
            if self.keep_log:
                self.log.append((done_at, "tx", answer))
            self._send(evp.encode(answer), done_at + self.turnaround_s + self._slow.get(frame.addr, 0.0))

    def _send(self, raw: bytes, earliest: float) -> None:
        rng = self._rng
        if self._noise_probability and rng.random() < self._noise_probability:
            noise = bytes(rng.randrange(256) for _ in range(rng.randint(1, self._noise_max_bytes)))
            self.emit(noise, earliest)
        if self._corrupt_probability and rng.random() < self._corrupt_probability:
            damaged = bytearray(raw)
            damaged[rng.randrange(1, len(damaged))] ^= 1 << rng.randrange(8)
            raw = bytes(damaged)
        self.emit(raw, earliest)

    @staticmethod
    def _take(counter: dict[int, int], addr: int) -> bool:
        left = counter.get(addr, 0)
        if left == 0:
            return False
        if left > 0:
            counter[addr] = left - 1
        return True  # negative = forever

    # ------------------------------------------------------------ test / control API
    def device(self, addr: int) -> EvpDevice:
        return self.devices[addr]

    def press(self, addr: int, key: int) -> bool:
        with self.lock:
            return self.devices[addr].press(key, self.clock())

    def cover(self, addr: int) -> bool:
        with self.lock:
            return self.devices[addr].cover(self.clock())

    def power_off(self, addr: int) -> None:
        with self.lock:
            self.devices[addr].power_off()

    def power_on(self, addr: int) -> None:
        with self.lock:
            self.devices[addr].power_on(self.clock())

    def power_cycle(self, addr: int) -> None:
        """Power loss and return: RAM state is lost, the flash queue and counter are kept."""
        with self.lock:
            self.devices[addr].power_off()
            self.devices[addr].power_on(self.clock())

    def drop_requests(self, addr: int, count: int = -1) -> None:
        """The device does not hear the next *count* frames to it (-1 = until cleared)."""
        with self.lock:
            self._drop_requests[addr] = count

    def drop_answers(self, addr: int, count: int = -1) -> None:
        """The device acts but its next *count* answers are lost (-1 = until cleared)."""
        with self.lock:
            self._drop_answers[addr] = count

    def set_slow(self, addr: int, extra_delay_s: float) -> None:
        with self.lock:
            self._slow[addr] = extra_delay_s

    def set_noise(self, probability: float = 0.0, max_bytes: int = 4,
                  corrupt_probability: float = 0.0, seed: int | None = None) -> None:
        """Random garbage before answers and/or a flipped bit inside answers."""
        with self.lock:
            self._noise_probability = probability
            self._noise_max_bytes = max_bytes
            self._corrupt_probability = corrupt_probability
            if seed is not None:
                self._rng = random.Random(seed)

    def clear_faults(self) -> None:
        with self.lock:
            self._drop_requests.clear()
            self._drop_answers.clear()
            self._slow.clear()
            self._noise_probability = self._corrupt_probability = 0.0

    def inject_bytes(self, data: bytes) -> None:
        """Put arbitrary bytes on the line towards the host (foreign frames, noise)."""
        self.emit(data, self.clock())

    def status(self) -> dict:
        with self.lock:
            now = self.clock()
            return {addr: {"serial": d.serial, "powered": d.powered, "state": d.state(now),
                           "queued": len(d.flash.queue), "next_event_id": d.flash.next_event_id,
                           "text": list(d.text), **d.stats}
                    for addr, d in self.devices.items()}
