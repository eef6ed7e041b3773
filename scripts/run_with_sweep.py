"""Serve the app with runserver and keep its deadline alerts current beside it (``make run``).

    python scripts/run_with_sweep.py 127.0.0.1:8000 [--every 60]

Runs ``send_deadline_alerts`` once, then starts the sweep loop as a process of its own (not
inside runserver: its autoreloader loads the app twice) and runserver, with its autoreload, in
the foreground. Ctrl-C, a SIGTERM or SIGHUP (or runserver ending) stops both; the loop also
ends by itself if this process is killed outright. E-mails go to the console backend
unless EMAIL_URL says otherwise.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def sweep_once() -> int:
    return subprocess.run([*MANAGE, "send_deadline_alerts"], cwd=ROOT).returncode


def loop(every: int, parent: int | None) -> None:
    """Sweep every ``every`` seconds until interrupted, or until the process that started it
    is gone (killed without the chance to stop it); a failed sweep is retried next time."""
    try:
        while True:
            deadline = time.monotonic() + every
            while time.monotonic() < deadline:
                if parent is not None and os.getppid() != parent:
                    return
                time.sleep(1)
            sweep_once()
    except KeyboardInterrupt:
        pass


def _exit(signum, frame):
    raise SystemExit(0)  # the ``finally`` below stops the children


def _spawn(command: list[str]) -> subprocess.Popen:
    # Each child leads a process group of its own, so that stopping it stops what it started
    # too (runserver's autoreloader serves from a child process).
    extra = {"process_group": 0} if os.name == "posix" else {}
    return subprocess.Popen(command, cwd=ROOT, **extra)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    if os.name == "posix":
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
    else:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("address", nargs="?", default="127.0.0.1:8000")
    parser.add_argument("--every", type=int, default=60, help="seconds between sweeps")
    parser.add_argument("--loop", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--parent", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.loop:
        loop(args.every, args.parent)
        return 0
    # Ctrl-C, a terminal closed, a ``kill``: every way of ending stops both children.
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _exit)
    children = []
    try:
        sweep_once()
        children.append(
            _spawn(
                [
                    sys.executable,
                    __file__,
                    "--loop",
                    "--every",
                    str(args.every),
                    "--parent",
                    str(os.getpid()),
                ]
            )
        )
        server = _spawn([*MANAGE, "runserver", args.address])
        children.append(server)
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for child in reversed(children):
            _stop(child)


if __name__ == "__main__":
    sys.exit(main())
