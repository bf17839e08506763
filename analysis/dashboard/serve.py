"""Serving the dashboard: check the port, run Solara as a child, stop it and its children.

Solara's server keeps threads running while a browser plays the model, so asking it to
stop politely can hang. The command therefore runs it in a process group of its own and,
on Ctrl-C, SIGTERM or SIGHUP, kills the whole group. The child also asks the kernel to
kill it if this process dies first, so no server outlives the command and keeps the port.
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"
SCENARIO_ENV = "CHANNELSIM_DASHBOARD_SCENARIO"   # names the file to the server's page
_PR_SET_PDEATHSIG = 1
# a page on loopback over http: Solara's advice on cookies for https embedding is noise here
QUIET = "ignore::UserWarning:solara.server.starlette"


class _SignalError(Exception):
    """Raised by the signal handlers to end the wait for the server."""


def port_problem(host: str, port: int) -> str | None:
    """Why the dashboard cannot listen on ``host:port``, or None when it can.

    Binds a socket the way the server will (address reuse on, so a port left in
    TIME_WAIT still counts as free) and closes it again.
    """
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as exc:
        in_use = exc.errno == errno.EADDRINUSE
        reason = "is in use" if in_use else f"cannot be used ({exc.strerror})"
        return (f"port {port} on {host} {reason}: stop what serves it or choose another "
                "with --port")
    return None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """In the child: the kernel kills it if the command that started it dies first."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        # not Linux (no prctl): the command still stops the server through its process group
        return


def solara_command(host: str, port: int) -> list[str]:
    """The server's command line: production mode, no browser, no version check."""
    return [sys.executable, "-m", "solara", "run", str(APP), "--host", host, "--port",
            str(port), "--production", "--no-open", "--no-check-version"]


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the server's whole process group at once and reap the server.

    No polite SIGTERM first: the server keeps nothing worth saving, and while a browser
    plays the model its shutdown waits on threads that do not end.
    """
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass   # already gone, with everything it started
    proc.wait()


def _serving(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def serve(host: str, port: int, env: dict[str, str], say: Callable[[str], None]) -> int:
    """Run the server until it ends or a signal stops it; return the exit status.

    Args:
        host: the address to bind.
        port: the port, already checked with :func:`port_problem`.
        env: the server's environment (names the scenario file).
        say: prints a line for the person (the URL once it answers, then "stopped").

    """
    def stop(signum, _frame):
        raise _SignalError(signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM,
                                                     signal.SIGHUP)}
    env = {"PYTHONWARNINGS": QUIET, **env,
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}  # offline: no phoning home
    proc = None
    try:
        proc = subprocess.Popen(solara_command(host, port), env=env, start_new_session=True,
                                preexec_fn=_die_with_parent)
        shown = False
        while proc.poll() is None:
            if not shown and _serving(host, port):
                say(f"dashboard on http://{host}:{port}/ (Ctrl-C stops it)")
                shown = True
            time.sleep(0.2)
        return proc.returncode
    except _SignalError:
        say("dashboard stopped")
        return 0
    finally:
        for s in previous:   # a second Ctrl-C must not interrupt the cleanup
            signal.signal(s, signal.SIG_IGN)
        if proc is not None:
            _kill_group(proc)
        for s, handler in previous.items():
            signal.signal(s, handler)
