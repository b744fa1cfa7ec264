"""Serving the dashboard: Streamlit in a child process, and beside it a small watcher that runs
the pipeline whenever complete files wait in the landing zone (what the Dagster daemon's sensor
does in a full deployment; ``make dagster`` shows that way).

The disclosure salt (which keeps "Peer N" numbers stable between restarts) is taken from
``TECHBENCH_DISCLOSURE_SALT`` or kept in ``<home>/disclosure_salt`` (owner-only), never in the
repository.
"""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pipeline.benchmarks.disclosure import SALT_VARIABLE
from pipeline.settings import Paths

REPO = Path(__file__).resolve().parent.parent
SERVER = Path(__file__).resolve().parent / "server.py"  # app.py behind techbench's sign-in gate
log = logging.getLogger(__name__)


def write_private(path: Path, text: str) -> None:
    """Create ``path`` (it must not exist) readable by its owner only, and write ``text`` to it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), "w") as fh:
        fh.write(text)


def disclosure_salt(paths: Paths) -> str:
    if os.environ.get(SALT_VARIABLE):
        return os.environ[SALT_VARIABLE]
    path = paths.home / "disclosure_salt"
    if not path.is_file():
        write_private(path, secrets.token_hex(32))
    return path.read_text().strip()


def streamlit_process(paths: Paths, port: int, address: str, **popen) -> subprocess.Popen:
    """Start ``streamlit run dashboards/server.py`` for this home (from the repository root, so that
    ``.streamlit/config.toml`` applies)."""
    env = os.environ | {"TECHBENCH_HOME": str(paths.home), SALT_VARIABLE: disclosure_salt(paths)}
    command = [sys.executable, "-m", "streamlit", "run", str(SERVER), "--server.port", str(port),
               "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    return subprocess.Popen(command, cwd=REPO, env=env, **popen)


def watch(paths: Paths, alive: Callable[[], bool], interval: float = 1.0,
          report: Callable[[str], None] = print) -> None:
    """Run the pipeline each time new complete files are pending, until ``alive()`` is false. A set
    of files whose run failed is not retried until more files arrive (no busy loop on a bad run).
    Looking costs a directory scan and a snapshot query (milliseconds), so it looks every second:
    an upload waits half a second on average before its run starts."""
    from pipeline.handin.submit import pending
    from pipeline.run import PipelineBusy, run_pipeline

    failed: list[str] | None = None
    while alive():
        waiting = pending(paths)
        if waiting and waiting != failed:
            report(f"pipeline: {len(waiting)} new file(s) in the landing zone, running")
            try:
                summary = run_pipeline(paths)
            except PipelineBusy as exc:
                report(f"pipeline: {exc}; will try again")
            else:
                failed = None if summary.success else waiting
                report(f"pipeline: run {summary.run_id[:8]} {'succeeded' if summary.success else 'FAILED'}: "
                       f"{summary.accepted} accepted, {summary.rejected} rejected")
        time.sleep(interval)


def serve(paths: Paths, port: int = 8501, address: str = "127.0.0.1", run_pipeline: bool = True,
          report: Callable[[str], None] = print) -> int:
    """Serve until interrupted; returns Streamlit's exit status."""
    process = streamlit_process(paths, port, address)
    report(f"Dashboard: http://{'localhost' if address in ('127.0.0.1', '0.0.0.0') else address}:{port}  "
           "(Ctrl-C to stop)")
    try:
        if run_pipeline:
            watch(paths, lambda: process.poll() is None, report=report)
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(process)


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """Ask the server to stop; kill it if it has not within ``timeout`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
