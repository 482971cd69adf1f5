"""Serve a SimLine behind a real pseudo-terminal.

The host opens the slave path (or the symlink) with pyserial exactly like a
USB-serial adapter. One thread moves bytes: host bytes from the master go to
line.host_write(); due device bytes are written to the master at their time.
unplug() closes the pty (the host's reads/writes fail like a pulled adapter);
replug() makes a new pty and points the symlink at it.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
import tty

from .line import SimLine


class PtyTransport:
    def __init__(self, line: SimLine, link_path: str | None = None) -> None:
        self.line = line
        self.link_path = link_path
        self.slave_path: str | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._stop = False
        self._loops = 0
        self._fd_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="pty-sim", daemon=True)
        line.add_waker(self._wake)

    @property
    def path(self) -> str:
        """What the host should open: the symlink if there is one."""
        return self.link_path or self.slave_path or ""

    def start(self) -> str:
        self._open_pty()
        self._thread.start()
        return self.path

    def _open_pty(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo / CR-LF mangling before the host configures it
        os.set_blocking(master, False)
        with self._fd_lock:
            self._master, self._slave = master, slave
            self.slave_path = os.ttyname(slave)
        if self.link_path:
            tmp = f"{self.link_path}.tmp{os.getpid()}"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(self.slave_path, tmp)
            os.replace(tmp, self.link_path)  # atomic: the host never sees a missing link
        self._wake()

    def _close_pty(self) -> None:
        with self._fd_lock:
            fds = (self._master, self._slave)
            self._master = self._slave = None
        for fd in fds:
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.line.discard_output()
        self._wait_loop_pass()

    def _wait_loop_pass(self) -> None:
        # A select() blocked on the old master keeps the pty alive (no hangup for the
        # host) until it returns: wake the thread and wait until it has gone round.
        if not self._thread.is_alive() or threading.current_thread() is self._thread:
            return
        seen = self._loops
        self._wake()
        deadline = time.monotonic() + 1.0
        while self._loops == seen and time.monotonic() < deadline:
            time.sleep(0.001)

    def unplug(self) -> None:
        """Simulate a pulled USB adapter."""
        self._close_pty()
        if self.link_path:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.link_path)

    def replug(self) -> str:
        self._close_pty()
        self._open_pty()
        return self.path

    def close(self) -> None:
        self._stop = True
        self._wake()
        if self._thread.is_alive():
            self._thread.join(2)
        self.unplug()
        self.line.remove_waker(self._wake)
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def _run(self) -> None:
        line = self.line
        while not self._stop:
            self._loops += 1
            master = self._master
            next_due = line.next_due()
            timeout = 0.5 if next_due is None else max(0.0, next_due - line.clock())
            fds = [self._wake_r] if master is None else [self._wake_r, master]
            try:
                readable, _, _ = select.select(fds, [], [], timeout)
            except (OSError, ValueError):
                continue  # fd closed under us by unplug(); loop picks up the new one
            if self._wake_r in readable:
                with contextlib.suppress(BlockingIOError):
                    os.read(self._wake_r, 4096)
            if master is None:
                continue
            if master in readable:
                try:
                    data = os.read(master, 4096)
                except BlockingIOError:
                    data = b""
                except OSError:
                    continue
                if data:
                    line.host_write(data, line.clock())
            out = line.take_due(line.clock())
            if out:
                with contextlib.suppress(OSError):  # unplugged meanwhile
                    os.write(master, out)


def wait_for_path(path: str, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.01)
    return False
