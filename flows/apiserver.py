"""Prefect's temporary API server, launched before Prefect is imported.

In embedded mode (no ``PREFECT_API_URL``) Prefect starts a temporary API server, a uvicorn process of its
own, the first time a flow runs, and waits for it to answer: 5-10 s on 2 cores, most of it the server
process importing Prefect's server modules and opening its database. Importing ``prefect`` in the build
process takes seconds too, and ``flows.runners.start_api_server_early`` could only launch the server
after that import. :func:`launch` starts the very same command (Prefect's
``SubprocessASGIServer._run_uvicorn_command``: uvicorn with ``prefect.server.api.server:create_app``,
the UI off, the server marked ephemeral) with nothing but the standard library, first thing in
``corpus build``; the server boots on one core while the build process imports Prefect, the flow and
the stage code on the other. :func:`adopt`, once Prefect is imported, hands the process to Prefect's
own ``SubprocessASGIServer`` instance, so Prefect's client, the worker processes' shared URL
(``flows.runners.shared_api_url``) and Prefect's exit handler (which stops the server) all use it as
if Prefect had started it; then it waits for the server to answer.

When Prefect's settings name an API (``PREFECT_API_URL`` in the environment or a profile) or turn
embedded mode off, the launched process is stopped and nothing else changes.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import random
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PORTS = range(8000, 9000)
"""Ports tried, as Prefect tries them."""
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
"""What Prefect adds to the environment of its temporary server."""
PORT_IN_USE_EXIT = 3
"""uvicorn's exit status when its port is taken."""


@dataclass
class Launched:
    """A server process started by :func:`launch`."""

    process: subprocess.Popen[bytes]
    port: int
    started: float


def _free_port() -> int | None:
    for _ in range(10):
        port = random.choice(PORTS)
        with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return None


def _embedded_mode_likely() -> bool:
    """Whether the environment leaves Prefect in embedded mode (profiles are checked later, by :func:`adopt`)."""
    if os.environ.get("PREFECT_API_URL", "").strip():
        return False
    enabled = os.environ.get("PREFECT_SERVER_EPHEMERAL_ENABLED", "").strip().lower()
    allowed = os.environ.get("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "").strip().lower()
    return enabled not in {"0", "false", "no"} and allowed not in {"0", "false", "no"}


def launch() -> Launched | None:
    """Start Prefect's temporary API server process now, without importing Prefect; ``None`` when
    the environment names an API server, turns embedded mode off, or Prefect or a port cannot be found."""
    if not _embedded_mode_likely():
        return None
    spec = importlib.util.find_spec("prefect")
    port = _free_port()
    if spec is None or not spec.submodule_search_locations or port is None:
        return None
    app_dir = Path(next(iter(spec.submodule_search_locations))).parent
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory",
               "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "error", "--lifespan", "on"]
    process = subprocess.Popen(command, env={**os.environ, **SERVER_ENV})
    return Launched(process, port, time.monotonic())


def _healthy(port: int) -> bool:
    import httpx  # noqa: PLC0415 -- a Prefect dependency, imported by then

    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def adopt(launched: Launched | None) -> float | None:
    """Hand the launched server to Prefect and wait until it answers; return the seconds since its launch.

    Call once Prefect is imported. When Prefect's settings turn out not to want a temporary server, or
    Prefect already runs one, the launched process is stopped (``None`` is returned). When the process
    exits before it answers (its port taken: status 3), Prefect starts a server its own way (raising its
    own error should that fail too). When it does not answer within
    ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS`` of its launch, it is stopped and the error is
    Prefect's own for that case.

    Raises:
        RuntimeError: the server did not answer in time.
    """
    if launched is None:
        return None
    from prefect.server.api.server import SubprocessASGIServer  # noqa: PLC0415 -- after Prefect's settings
    from prefect.settings import (  # noqa: PLC0415
        PREFECT_API_URL,
        PREFECT_SERVER_EPHEMERAL_ENABLED,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
    )

    server = SubprocessASGIServer()  # the instance Prefect's client uses in embedded mode
    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value() or server.running:
        _stop(launched.process)
        return None
    deadline = launched.started + float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
    while time.monotonic() < deadline and launched.process.poll() is None:
        if _healthy(launched.port):
            server.port, server.server_process, server.running = launched.port, launched.process, True
            import atexit  # noqa: PLC0415

            atexit.register(server.stop)  # as SubprocessASGIServer.start does
            return time.monotonic() - launched.started
        time.sleep(0.1)
    if launched.process.poll() is None:  # still booting: too slow, as Prefect would have found it
        _stop(launched.process)
        raise RuntimeError("Timed out while attempting to connect to ephemeral Prefect API server.")
    server.start()  # it exited (a port taken: status 3): Prefect's own start, with its own errors
    return None


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
