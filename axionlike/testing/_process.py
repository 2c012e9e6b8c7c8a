"""FakeLLMProcess: the fake LLM server in a process of its own, for benchmarks.

In the client's process the server competes with the client for the GIL and its
CPU; in its own process it behaves like a provider on another machine, and its CPU
can be read apart from the client's.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

_CONTEXT = multiprocessing.get_context("spawn")


def _serve(latency: float, embedding_dim: int, ports: Any, stop: Any) -> None:
    from axionlike.testing._server import FakeLLMServer

    with FakeLLMServer(latency=latency, embedding_dim=embedding_dim) as server:
        ports.put(server.port)
        stop.wait()


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
        self._process: Any = None
        self._stop: Any = None
        self._port: int | None = None

    def start(self) -> FakeLLMProcess:
        """Start the child and wait until it listens."""
        if self._process is not None:
            return self
        ports, self._stop = _CONTEXT.Queue(), _CONTEXT.Event()
        self._process = _CONTEXT.Process(
            target=_serve, args=(self.latency, self.embedding_dim, ports, self._stop), daemon=True
        )
        self._process.start()
        self._port = ports.get(timeout=60)
        return self

    def stop(self) -> None:
        """Stop the child (it closes its server first)."""
        if self._process is None:
            return
        self._stop.set()
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
        self._process = None

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
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
