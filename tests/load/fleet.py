"""Bot processes started as `staffvoice run`, each on its own 127.0.0.1 port, killed and restarted.

Every process runs the scheduler and the outbox worker, as in production, against
the same database and the same Slack stand-in. A process's log goes to a file in
the run's folder, so the harness can count what the processes logged.
"""

from __future__ import annotations

import http.client
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)

HEALTH_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
POLL_SECONDS = 0.05


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on at the moment."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def staffvoice_command() -> list[str]:
    """Return the command that runs the staffvoice CLI of this interpreter's environment."""
    script = Path(sys.executable).with_name("staffvoice")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "bot"]


@dataclass
class _Member:
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    log_file: IO[bytes] | None = None
    starts: int = 0
    kills: list[float] = field(default_factory=list)


class BotFleet:
    """Starts `staffvoice run` processes with the given environment; stop() ends them all."""

    def __init__(self, *, count: int, environment: dict[str, str], folder: Path) -> None:
        self._environment = {**os.environ, **environment}
        self._folder = folder
        self._members = [
            _Member(port=free_port(), log_path=folder / f"bot-{index + 1}.log")
            for index in range(count)
        ]

    @property
    def ports(self) -> list[int]:
        """Return each process's port, in process order."""
        return [member.port for member in self._members]

    @property
    def log_paths(self) -> list[Path]:
        """Return each process's log file, in process order."""
        return [member.log_path for member in self._members]

    def start_all(self) -> None:
        """Start every process at the same moment, then wait until each passes /healthz.

        They migrate the new database together, as processes of a deployment may.
        """
        for index in range(len(self._members)):
            self._spawn(index)
        for index in range(len(self._members)):
            self.wait_healthy(index)

    def _spawn(self, index: int) -> None:
        member = self._members[index]
        member.log_file = member.log_path.open("ab")
        command = [
            *staffvoice_command(),
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(member.port),
        ]
        member.process = subprocess.Popen(
            command,
            env=self._environment,
            # A folder of its own, so no .env file of the working tree changes the settings.
            cwd=self._folder,
            stdin=subprocess.DEVNULL,
            stdout=member.log_file,
            stderr=subprocess.STDOUT,
        )
        member.starts += 1
        logger.info(
            "Started bot process %d (pid %d) on port %d", index + 1, member.process.pid, member.port
        )

    def wait_healthy(self, index: int, *, timeout: float = HEALTH_TIMEOUT_SECONDS) -> float:
        """Wait until process index answers GET /healthz with 200; return the seconds waited."""
        member = self._members[index]
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if member.process is not None and member.process.poll() is not None:
                raise RuntimeError(
                    f"bot process {index + 1} exited with status {member.process.returncode}; "
                    f"see {member.log_path}"
                )
            if _healthy(member.port):
                return time.monotonic() - started
            time.sleep(POLL_SECONDS)
        raise RuntimeError(
            f"bot process {index + 1} did not answer /healthz on port {member.port} within "
            f"{timeout:.0f} s; see {member.log_path}"
        )

    def kill(self, index: int) -> None:
        """Send SIGKILL to process index and wait for it to end."""
        member = self._members[index]
        assert member.process is not None
        os.kill(member.process.pid, signal.SIGKILL)
        member.process.wait()
        member.kills.append(time.monotonic())
        self._close_log(member)
        logger.info("Killed bot process %d with SIGKILL", index + 1)

    def restart(self, index: int) -> float:
        """Start process index again on its port; return the seconds until it was healthy."""
        self._spawn(index)
        return self.wait_healthy(index)

    def kills(self) -> int:
        """Return how many times the harness killed a process."""
        return sum(len(member.kills) for member in self._members)

    def restarts(self) -> int:
        """Return how many times a process was started after its first start."""
        return sum(member.starts - 1 for member in self._members if member.starts)

    def unexpected_exits(self) -> list[str]:
        """Describe every process that has ended without being killed by the harness."""
        exits = []
        for index, member in enumerate(self._members):
            if member.process is not None and member.process.poll() is not None:
                exits.append(f"process {index + 1} exited with status {member.process.returncode}")
        return exits

    def stop(self) -> None:
        """Stop every running process with SIGTERM, then SIGKILL any that has not ended."""
        for member in self._members:
            if member.process is not None and member.process.poll() is None:
                member.process.terminate()
        for member in self._members:
            if member.process is None:
                continue
            try:
                member.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                logger.warning("Bot process on port %d ignored SIGTERM; killing it", member.port)
                member.process.kill()
                member.process.wait()
            self._close_log(member)

    def log_lines(self, fragment: str) -> list[str]:
        """Return the lines of every process's log that contain fragment."""
        lines: list[str] = []
        for path in self.log_paths:
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace")
                lines.extend(line for line in text.splitlines() if fragment in line)
        return lines

    @staticmethod
    def _close_log(member: _Member) -> None:
        if member.log_file is not None:
            member.log_file.close()
            member.log_file = None


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
