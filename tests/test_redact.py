from axionlike._redact import MASK, redact, redact_value, register_secret, register_sensitive_fields
from axionlike.dataset import DatasetItem
from axionlike.metrics import ExactMatch
from axionlike.runners import evaluation_runner


def test_registered_env_and_shaped_secrets_are_masked(monkeypatch):
    monkeypatch.setenv("MY_SERVICE_API_KEY", "abc123secretvalue")
    register_secret("registered-secret-42")
    text = "key abc123secretvalue, registered-secret-42, Bearer eyJhbGciOi.x.y and sk-proj-ABCDEFGH1234"
    cleaned = redact(text)
    for secret in ("abc123secretvalue", "registered-secret-42", "eyJhbGciOi", "sk-proj-ABCDEFGH1234"):
        assert secret not in cleaned
    assert cleaned.count(MASK) == 4


def test_mappings_lose_credential_values():
    register_sensitive_fields(["patient_name"])
    value = {"Authorization": "Basic xyz", "headers": {"x-api-key": "k"}, "patient_name": "Ada", "q": "ok"}
    assert redact_value(value) == {
        "Authorization": MASK,
        "headers": {"x-api-key": MASK},
        "patient_name": MASK,
        "q": "ok",
    }


def test_recorded_errors_never_carry_a_key():
    register_secret("sk-live-0123456789")

    def task(item):
        raise RuntimeError("upstream said: invalid key sk-live-0123456789")

    result = evaluation_runner([DatasetItem(id="1", query="q")], [ExactMatch()], "r", task=task, show_progress=False)
    assert "sk-live-0123456789" not in result.to_json()
    assert MASK in result.results[0].error.message


def test_secrets_added_after_a_redaction_are_still_masked(monkeypatch):
    assert redact("nothing secret here") == "nothing secret here"
    monkeypatch.setenv("LATE_SERVICE_TOKEN", "late-token-value-123")
    assert redact("use late-token-value-123 now") == "use [REDACTED] now"
    register_secret("late-registered-secret")
    assert redact("x late-registered-secret y") == "x [REDACTED] y"
