"""MathVerifyGrader: whether a response's final answer equals the reference mathematically, by math-verify."""

from __future__ import annotations

import importlib
import math
import re
import threading
from collections.abc import Callable
from decimal import Decimal
from types import ModuleType
from typing import Any

from axionlike._exceptions import ConfigurationError, GraderInputError, MissingDependencyError
from axionlike._redact import excerpt
from axionlike.graders._base import BaseGrader, GraderScore
from axionlike.graders._format import _text, _whole_number

_DELIMITED = re.compile(r"\$|\\\(|\\\[|\\boxed")
"""LaTeX delimiters or a box: a reference with one is read as a solution text, as it stands."""


def _math_verify() -> ModuleType:
    """The ``math_verify`` package (imported on first use: it is in the ``graders`` extra)."""
    try:
        importlib.import_module("math_verify.errors")  # binds ``math_verify.errors`` (TimeoutException)
        return importlib.import_module("math_verify")
    except ImportError:
        raise MissingDependencyError("math-verify", "graders", "MathVerifyGrader") from None


class MathVerifyGrader(BaseGrader):
    """Whether a response's answer equals the reference mathematically: 1.0 if so, else 0.0.

    Inputs: ``response``, the model's text, read the way math-verify reads model output: a
    ``\\boxed{}`` answer first, then LaTeX in ``$...$``, ``\\(...\\)`` or ``\\[...\\]``, then
    a plain number or expression (the last one found wins); and ``reference``, the expected
    answer, as text or a number. A reference without LaTeX delimiters or a box (``0.5``,
    ``\\frac{1}{2}``, ``x^2+1``) is read as one LaTeX answer, as if boxed; one with them is
    read like a response. Equality is math-verify's: ``1/2``, ``0.5`` and ``\\frac{1}{2}``
    agree; so do equivalent expressions, sets, intervals and equations (with
    ``float_rounding``, ``numeric_precision`` and ``strict`` passed to ``math_verify.verify``).
    Higher is better.

    A response with no mathematical answer (or one math-verify fails on, or times out on)
    scores 0.0 with the reason; a reference with none raises ``GraderInputError``. The reason
    and ``metadata`` show what was read from each side.

    Timeouts: math-verify bounds each parse and comparison with ``SIGALRM``, which only works
    in the main thread. The check runs on the calling thread, so in the main thread (an event
    loop there included) ``timeout_seconds`` applies; in any other thread (``asyncio.to_thread``,
    a runner's worker loop) it runs without a time limit, and ``metadata['timeout_seconds']``
    is None. Needs the ``graders`` extra.

    Example:
        ```python
        await MathVerifyGrader().aevaluate(response="So the answer is $\\boxed{\\frac{1}{2}}$.", reference="0.5")  # 1.0
        ```
    """

    def __init__(
        self,
        *,
        timeout_seconds: int | None = 5,
        float_rounding: int = 6,
        numeric_precision: int = 15,
        strict: bool = True,
        name: str = "math_verify",
    ):
        super().__init__(name=name, description="the response's answer equals the reference mathematically")
        _math_verify()
        self.timeout_seconds = None if timeout_seconds is None else _whole_number("timeout_seconds", timeout_seconds, 1)
        self.float_rounding = _whole_number("float_rounding", float_rounding, 0)
        self.numeric_precision = _whole_number("numeric_precision", numeric_precision, 1)
        if not isinstance(strict, bool):
            raise ConfigurationError(f"strict must be True or False, got {strict!r}")
        self.strict = strict

    async def aevaluate(self, response: str, reference: str | int | float) -> GraderScore:
        """1.0 when the answer in ``response`` equals ``reference`` (see the class), else 0.0."""
        response = _text(response, "response")
        mv = _math_verify()
        timeout = self.timeout_seconds if threading.current_thread() is threading.main_thread() else None
        metadata: dict[str, Any] = {"timeout_seconds": timeout}

        def attempt(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, str | None]:
            try:
                return call(*args, raise_on_error=True, **kwargs), None
            except mv.errors.TimeoutException:
                return None, f"timed out after {timeout} s"
            except Exception as exc:
                return None, f"failed ({type(exc).__name__}: {exc})"

        source = _reference_text(reference)
        gold, error = attempt(
            mv.parse, source if _DELIMITED.search(source) else f"\\boxed{{{source}}}", parsing_timeout=timeout
        )
        if error is not None or not _expressions(gold):
            why = f"math-verify {error}" if error else f"no mathematical answer in it (math-verify read {gold!r})"
            raise GraderInputError(f"reference: {why}: {source!r}")
        metadata["reference_parsed"] = [str(x) for x in gold]
        answer, error = attempt(mv.parse, response, parsing_timeout=timeout)
        metadata["response_parsed"] = [str(x) for x in answer or []]
        if error is not None or not _expressions(answer):
            why = f"math-verify {error}" if error else "no mathematical answer found in it"
            metadata["error"] = why
            reason = f"response: {why} (reference {_view(gold, source)})"
            return GraderScore(name=self.name, score=0.0, reason=reason, metadata=metadata)
        equal, error = attempt(
            mv.verify,
            gold,
            answer,
            float_rounding=self.float_rounding,
            numeric_precision=self.numeric_precision,
            strict=self.strict,
            timeout_seconds=timeout,
        )
        compared = f"response {_view(answer, _extracted(answer))} and reference {_view(gold, source)}"
        if error is not None:
            metadata["error"] = f"math-verify {error}"
            reason = f"comparing {compared}: math-verify {error}"
            return GraderScore(name=self.name, score=0.0, reason=reason, metadata=metadata)
        verdict = "are equal" if equal else "differ"
        return GraderScore(name=self.name, score=float(bool(equal)), reason=f"{compared} {verdict}", metadata=metadata)


def _reference_text(reference: Any) -> str:
    """The reference as text; a float is written out in full (``1e-07`` would read as ``1 * e * -7``)."""
    if isinstance(reference, bool) or not isinstance(reference, (str, int, float)):
        raise GraderInputError(f"reference: expected text or a number, got {type(reference).__name__}")
    if isinstance(reference, float):
        if not math.isfinite(reference):
            raise GraderInputError(f"reference: {reference} is not a finite number")
        return format(Decimal(repr(reference)), "f")
    text = str(reference).strip()
    if not text:
        raise GraderInputError("reference: empty")
    return text


def _expressions(parsed: Any) -> list[Any]:
    """The mathematical objects math-verify read (it adds the raw text it matched as a str)."""
    return [x for x in parsed or [] if not isinstance(x, str)]


def _extracted(parsed: list[Any]) -> str:
    return next((x for x in reversed(parsed) if isinstance(x, str)), "")


def _view(parsed: list[Any], source: str) -> str:
    """What was read, and from what text when that differs: ``1/2 (read from \\frac{1}{2})``."""
    value, source = _cut(str(_expressions(parsed)[0])), _cut(source.strip())
    return value if source in ("", value) else f"{value} (read from {source})"


def _cut(text: str) -> str:
    return excerpt(text, 80)
