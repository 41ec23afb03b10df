"""Run the portal under a real gunicorn on loopback for a test (what the image runs)."""

import contextlib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(*, cwd, env, args=None, port=None, timeout=60):
    """Start `gunicorn config.wsgi:application` (or `args`, whose --bind is replaced) and
    yield its port once it accepts connections; stop it afterwards."""
    port = port or free_port()
    args = list(args or ["gunicorn", "config.wsgi:application", "--workers", "1"])
    if "--bind" in args:
        i = args.index("--bind")
        del args[i : i + 2]
    args[0] = str(VENV_BIN / args[0]) if args[0] == "gunicorn" else args[0]
    args += ["--bind", f"127.0.0.1:{port}"]
    log = Path(tempfile.mkdtemp(prefix="gunicorn-")) / "log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited {proc.returncode}:\n{log.read_text()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not listen in {timeout} s:\n{log.read_text()}")
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
