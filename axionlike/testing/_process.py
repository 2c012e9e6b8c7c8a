"""FakeLLMProcess: the fake LLM server in a process of its own, for benchmarks.

In the client's process the server competes with the client for the GIL and its
CPU; in its own process it behaves like a provider on another machine, and its CPU
can be read apart from the client's. The child is a fresh interpreter running ``serve``,
so the caller's main module is never re-imported (no ``if __name__ == "__main__"`` needed).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path


class FakeLLMProcess:
    """A ``FakeLLMServer`` (default answers, fixed latency) served from a child process.

    Example:
        ```python
        with FakeLLMProcess(latency=0.05) as server:
            client = LLMClient("openai/judge", api_base=server.api_base, api_key="dummy")
            ...
            print(server.cpu_seconds())
        ```
    """

    def __init__(self, *, latency: float = 0.0, embedding_dim: int = 8) -> None:
        self.latency = latency
        self.embedding_dim = embedding_dim
        self._process: subprocess.Popen[str] | None = None
        self._port: int | None = None

    def start(self) -> FakeLLMProcess:
        """Start the child and wait until it listens."""
        if self._process is not None:
            return self
        command = [sys.executable, "-c", "from axionlike.testing._process import serve; serve()"]
        command += [f"--latency={self.latency}", f"--embedding-dim={self.embedding_dim}"]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError(f"the fake LLM server process did not start (it printed {line!r})")
        self._port = int(line)
        return self

    def stop(self) -> None:
        """Stop the child: closing its stdin tells it to close its server and exit."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> FakeLLMProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._port is None or self._process is None:
            raise RuntimeError("FakeLLMProcess is not running; use start() or a with block")
        return self._port

    @property
    def api_base(self) -> str:
        """``http://127.0.0.1:<port>/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server process has used so far (Linux ``/proc``)."""
        if self._process is None:
            raise RuntimeError("FakeLLMProcess is not running")
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve() -> None:
    """The child's entry point: serve until stdin closes, having printed the port."""
    from axionlike.testing._server import FakeLLMServer

    parser = argparse.ArgumentParser(description="Serve FakeLLMServer until stdin closes; print the port.")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--embedding-dim", type=int, default=8)
    args = parser.parse_args()
    with FakeLLMServer(latency=args.latency, embedding_dim=args.embedding_dim) as server:
        print(server.port, flush=True)
        sys.stdin.read()  # until the parent closes our stdin (or exits)
