"""make run's companion (scripts/run_with_sweep.py): its children never outlive it."""

import importlib.util
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "run_with_sweep.py"

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process groups are POSIX")


def _script():
    spec = importlib.util.spec_from_file_location("run_with_sweep", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_stopping_a_child_stops_what_it_started_too(tmp_path):
    # given: a child that starts a grandchild, as runserver's autoreloader does
    script = _script()
    pid_file = tmp_path / "grandchild"
    child = script._spawn(["sh", "-c", f"sleep 60 & echo $! > {pid_file}; wait"])
    for _ in range(50):
        if pid_file.exists() and pid_file.read_text().strip():
            break
        time.sleep(0.1)
    grandchild = int(pid_file.read_text())
    # when
    script._stop(child)
    # then
    assert child.poll() is not None
    for _ in range(50):
        if not _alive(grandchild):
            break
        time.sleep(0.1)
    assert not _alive(grandchild)


def test_the_sweep_loop_ends_when_the_process_that_started_it_is_gone(monkeypatch):
    script = _script()
    monkeypatch.setattr(script, "sweep_once", lambda: pytest.fail("swept after its parent died"))
    started = time.monotonic()
    script.loop(every=30, parent=os.getppid() + 100000)  # not our parent: it is gone
    assert time.monotonic() - started < 5


def test_a_sigterm_stops_the_script_through_its_cleanup(tmp_path):
    # The script's own handlers turn SIGTERM into an exit that runs its ``finally``.
    script = _script()
    previous = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, script._exit)
        with pytest.raises(SystemExit):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_the_script_answers_help():
    done = subprocess.run(
        ["python3", str(SCRIPT), "--help"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0
    assert "--every" in done.stdout
