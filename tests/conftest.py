"""Test-wide setup: an offline environment for every library axionlike drives.

Set before any test imports litellm, Ragas, DeepEval, Langfuse or Opik, so none of
them reaches for the internet (price lists, telemetry, Sentry) or writes into the
user's home or working directory.
"""

from __future__ import annotations

import os
import tempfile

_SANDBOX = tempfile.mkdtemp(prefix="axionlike-tests-")
os.environ.update(
    {
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "DEEPEVAL_TELEMETRY_OPT_OUT": "YES",
        "DEEPEVAL_DISABLE_DOTENV": "1",
        "DEEPEVAL_CACHE_FOLDER": os.path.join(_SANDBOX, "deepeval"),
        "RAGAS_DO_NOT_TRACK": "true",
        "HOME": _SANDBOX,
        "OPIK_SENTRY_ENABLE": "false",
        "OPIK_ANALYTICS_ENABLE": "false",
        "TRACING_MODE": "noop",
        "RAY_USAGE_STATS_ENABLED": "0",
    }
)
for _key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY"):
    os.environ.pop(_key, None)


# -- LLM tests: a fake OpenAI-compatible server and short retry backoffs ----------------
import pytest  # noqa: E402


@pytest.fixture
def fake_llm():
    """A running FakeLLMServer (real HTTP on 127.0.0.1), stopped after the test."""
    from axionlike.testing import FakeLLMServer

    with FakeLLMServer() as server:
        yield server


@pytest.fixture
def fast_llm_retries():
    """Millisecond backoffs and fresh per-model limits, so retry tests stay fast."""
    from axionlike.llm import RetryPolicy, reset_model_limits, set_default_retry_policy

    previous = set_default_retry_policy(RetryPolicy(max_attempts=4, initial_wait=0.01, max_wait=0.5, jitter=0.01))
    reset_model_limits()
    yield
    set_default_retry_policy(previous)
    reset_model_limits()


@pytest.fixture(scope="session")
def local_ray():
    """One local Ray for the session: 2 CPUs, on a loopback address (127.0.0.1 would become the
    machine's interface address), started once (it takes several seconds) and shut down at the end."""
    ray = pytest.importorskip("ray", reason="the Ray extra is not installed: pip install 'axionlike[ray]'")
    if not ray.is_initialized():
        ray.init(num_cpus=2, _node_ip_address="127.0.0.2", include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()
