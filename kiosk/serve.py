"""Serve the app with waitress in N worker processes sharing one listening socket.

One Python process is bound to one core by the GIL; a hall terminal has two or more. The
socket is bound once, then each forked worker builds its own app (its own database
connections) and runs waitress on the shared socket; the kernel spreads connections.
With one worker (the default) the process serves on its own, without a master.
Usage: python -m kiosk.serve [--host 127.0.0.1] [--port 8080] [--workers 1] [--threads 8]
"""
import argparse
import contextlib
import gc
import logging
import os
import signal
import socket
import sys

from waitress import serve


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


def run_worker(sock: socket.socket, threads: int) -> None:
    from kiosk import create_app

    # waitress warns "Task queue depth is N" whenever a request waits for a thread: under a
    # burst that is a line per request, costing time and flooding the journal.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Short GIL slices: a thread woken by I/O (the committer after its fsync, waitress's
    # socket loop) gets the interpreter back quickly instead of after a 5 ms default slice.
    sys.setswitchinterval(0.0005)
    # poll(), not select(): select() fails outright once any descriptor number passes 1024.
    app = create_app()
    # Touchscreens' state requests wait for a change, each on a thread of its own
    # (kiosk/touch/changes.py): those threads come on top of the ones serving requests.
    threads += app.config["KIOSK_STATE_WAITERS"]
    # What start-up built lives as long as the process: out of every later collection.
    gc.collect()
    gc.freeze()
    serve(app, sockets=[sock], threads=threads, asyncore_use_poll=True, _quiet=True)


def main(argv=None) -> None:
    from kiosk import config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("KIOSK_BIND_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("KIOSK_BIND_PORT", 8080)))
    # One process by default on a hall: SQLite has one writer and the ratings' write section
    # is serial, so a second process served no more ratings (bench/rate_http.py, one vs two)
    # while it cost a copy of the app in memory (bench/footprint.py). The hub, on
    # PostgreSQL, runs several.
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8,
                        help="threads serving requests, besides the touchscreens' waiting ones")
    args = parser.parse_args(argv)
    config.secret_key(config.instance_path())  # generated once, before workers race for it

    sock = bind(args.host, args.port)
    print(f"serving on http://{args.host}:{args.port} with {args.workers} workers", flush=True)
    if args.workers == 1:  # no master process to keep
        run_worker(sock, args.threads)
        return
    children = []
    for _ in range(args.workers):
        pid = os.fork()
        if pid == 0:
            run_worker(sock, args.threads)
            os._exit(0)
        children.append(pid)

    def stop(*_):
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # A worker that dies takes the service down with it: systemd restarts the whole unit.
    os.wait()
    stop()
    for pid in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
