"""The standalone scorecard in a real browser: headless Chromium over the DevTools protocol.

The page is loaded from a file; the test records console messages, uncaught exceptions,
log entries and every network request, reads the rendered text, and saves a full-page
screenshot under the test's temporary directory. A deliberately broken page checks that
the harness does catch console errors and network fetches.
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from axionlike.dataset import DatasetItem
from axionlike.metrics import Contains, ExactMatch, Latency, LevenshteinSimilarity
from axionlike.runners import ErrorConfig, evaluation_runner

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (Debian: apt-get install chromium)"
)


class Browser:
    """One headless Chromium process and one page, driven over the DevTools websocket."""

    def __init__(self, profile: Path) -> None:
        from websockets.sync.client import connect

        self.log = (profile.parent / "chromium.log").open("wb")
        self.process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--no-default-browser-check",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and len(port_file.read_text().splitlines()) == 2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"Chromium did not open its DevTools port; see {self.log.name}")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()
        self.ws = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=30)
        self.ids = itertools.count(1)
        self.events: list[dict] = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=True)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=True,
        )

    def send(self, method: str, params: dict | None = None, *, session: bool = False) -> dict:
        message = {"id": next(self.ids), "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv(timeout=60))
            if reply.get("id") == message["id"]:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            self.events.append(json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic()))))

    def open(self, path: Path) -> None:
        self.send("Page.navigate", {"url": path.resolve().as_uri()}, session=True)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str):
        return self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True)["result"][
            "value"
        ]

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and error log entries seen so far."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning", "assert"):
                found.append(f"console.{params['type']}: {[a.get('value') for a in params['args']]}")
            elif method == "Runtime.exceptionThrown":
                found.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f"log {params['entry']['level']}: {params['entry']['text']}")
        return found

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, path: Path) -> Path:
        size = self.send("Page.getLayoutMetrics", session=True)["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        data = self.send(
            "Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True}, session=True
        )["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        if getattr(self, "ws", None) is not None:
            self.ws.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def browser(tmp_path):
    chromium = Browser(tmp_path / "profile")
    yield chromium
    chromium.close()


def scored_run():
    questions = [
        ("Capital of France?", "Paris", "Paris", 0.4),
        ("Capital of Australia?", "Sydney", "Canberra", 1.9),
        ("7 * 8?", "54", "56", 0.3),
        ("Who wrote Hamlet?", "Shakespeare", "William Shakespeare", 0.8),
        ("Largest ocean?", "The Pacific Ocean", "Pacific", None),
        ("<b>Unsafe</b> question?", "<script>alert(1)</script>", "nothing", 2.5),
    ]
    items = [
        DatasetItem(id=f"q{i}", query=q, actual_output=a, expected_output=e, latency=t)
        for i, (q, a, e, t) in enumerate(questions)
    ]
    return evaluation_runner(
        items,
        [ExactMatch(), Contains(), LevenshteinSimilarity(threshold=0.8), Latency(threshold=1.5)],
        "browser check",
        error_config=ErrorConfig(skip_on_missing_params=False),
        evaluation_metadata={"model_version": "v2.1"},
        show_progress=False,
    )


def test_standalone_scorecard_renders_cleanly_offline(browser, tmp_path):
    result = scored_run()
    page = result.to_scorecard(output_path=tmp_path / "scorecard.html")
    browser.open(tmp_path / "scorecard.html")

    text = browser.evaluate("document.body.innerText")
    for name in result.summary:
        assert name in text
    assert "browser check" in text and "model_version" in text and "<script>alert(1)</script>" in text
    assert browser.evaluate("document.querySelectorAll('svg').length") == len(result.summary)
    assert browser.evaluate("document.querySelectorAll('script').length") == 0
    assert browser.problems() == []
    assert all(url.startswith("file://") for url in browser.requests()), browser.requests()

    shot = browser.screenshot(tmp_path / "scorecard.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    assert page.metrics["latency"].summary.errors == 1


def test_standalone_comparison_renders_cleanly_offline(browser, tmp_path):
    baseline = scored_run()
    current = scored_run().model_copy(update={"evaluation_name": "browser check v2"})
    current.compare(baseline).save(tmp_path / "comparison.html")
    browser.open(tmp_path / "comparison.html")
    text = browser.evaluate("document.body.innerText")
    assert "browser check v2" in text and "within noise" in text
    for name in baseline.summary:
        assert name in text
    assert browser.problems() == [] and all(url.startswith("file://") for url in browser.requests())
    browser.screenshot(tmp_path / "comparison.png")


def test_the_harness_catches_console_errors_and_fetches(browser, tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text(
        "<!DOCTYPE html><html><body><p>broken</p>"
        "<script>console.error('deliberate failure')</script>"
        '<img src="http://127.0.0.1:9/missing.png"></body></html>'
    )
    browser.open(broken)
    assert any("deliberate failure" in p for p in browser.problems())
    assert "http://127.0.0.1:9/missing.png" in browser.requests()
