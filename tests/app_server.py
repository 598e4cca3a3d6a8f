"""Start the real app (`streamlit run app.py`) on a free 127.0.0.1 port, for the browser tests
and benchmarks/bench_load.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Headless Chromium's flags for this machine's closed network (no background connections),
#: shared by the browser tests (conftest) and the browser benchmarks.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(base: str) -> bool:
    """Whether the server at ``base`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start_server(
    log_path: Path, timeout_s: float = 60, script: Path | None = None
) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` (or ``script``) on a free port, output to ``log_path``; returns
    the process and its base URL once healthy, or raises RuntimeError naming the log."""
    port = free_port()
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    with log_path.open("w") as handle:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", str(script or ROOT / "app.py"),
                "--server.address", "127.0.0.1", "--server.port", str(port),
                "--server.headless", "true", "--browser.gatherUsageStats", "false",
            ],
            cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if healthy(base):
            return process, base
        time.sleep(0.3)
    stop_server(process)
    raise RuntimeError(f"streamlit did not start within {timeout_s:g} s; see {log_path}")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
