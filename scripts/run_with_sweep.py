"""Serve the app with runserver and keep its deadline alerts current beside it (``make run``).

    python scripts/run_with_sweep.py 127.0.0.1:8000 [--every 60]

Runs ``send_deadline_alerts`` once, then starts the sweep loop as a process of its own (not
inside runserver: its autoreloader loads the app twice) and runserver, with its autoreload, in
the foreground. Ctrl-C (or runserver ending) stops both. E-mails go to the console backend
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


def loop(every: int) -> None:
    """Sweep every ``every`` seconds until interrupted; a failed sweep is retried next time."""
    try:
        while True:
            time.sleep(every)
            sweep_once()
    except KeyboardInterrupt:
        pass


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("address", nargs="?", default="127.0.0.1:8000")
    parser.add_argument("--every", type=int, default=60, help="seconds between sweeps")
    parser.add_argument("--loop", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.loop:
        loop(args.every)
        return 0
    sweep_once()
    sweeper = subprocess.Popen(
        [sys.executable, __file__, "--loop", "--every", str(args.every)], cwd=ROOT
    )
    try:
        return subprocess.run([*MANAGE, "runserver", args.address], cwd=ROOT).returncode
    except KeyboardInterrupt:
        return 0
    finally:
        if sweeper.poll() is None:
            sweeper.send_signal(signal.SIGINT if os.name != "nt" else signal.CTRL_C_EVENT)
            try:
                sweeper.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sweeper.kill()


if __name__ == "__main__":
    sys.exit(main())
