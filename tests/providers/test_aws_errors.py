"""evalctl.aws without a server: error text, retry policy, tokens and owner tags."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from evalctl import aws, awsops


def client_error(code, message, status=400, operation="CreateEvaluator"):
    response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, operation)


@pytest.mark.parametrize(
    ("exc", "field", "expected", "reason"),
    [
        (
            client_error("ValidationException", "Value 'x' at 'evaluatorName' failed to satisfy constraint"),
            None,
            ["(field `evaluatorName`)", "fix `evaluatorName` in spec.yaml"],
            "the field is read from AWS's wording",
        ),
        (
            client_error("ValidationException", "bad level"),
            "level",
            ["(field `level`)", "fix `level` in spec.yaml"],
            "an explicit field wins",
        ),
        (
            client_error("ConflictException", "exists"),
            None,
            ["ConflictException", "metadata.importId"],
            "a name clash says how to adopt",
        ),
        (
            client_error("ResourceNotFoundException", "gone", 404),
            None,
            ["pulumi refresh"],
            "deleted outside Pulumi",
        ),
        (
            client_error("AccessDeniedException", "no", 403),
            None,
            ["ciDeployer"],
            "missing permission names the grant",
        ),
        (client_error("SomethingNew", "?"), None, ["check spec.yaml"], "unknown codes still get advice"),
        (
            EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
            None,
            ["evalctl:endpoint"],
            "no response at all: the endpoint",
        ),
        (NoCredentialsError(), None, ["no AWS credentials"], "no credentials"),
    ],
)
def test_describe_error_names_file_resource_and_fix(exc, field, expected, reason):
    message = aws.describe_error(exc, "Evaluator tone", "spec.yaml", field)
    assert message.startswith("spec.yaml: Evaluator tone: "), reason
    for part in expected:
        assert part in message, f"{reason}: {part!r} missing from {message!r}"


@pytest.mark.parametrize(
    ("exc", "retry", "reason"),
    [
        (client_error("ThrottlingException", "slow down", 429), True, "throttling"),
        (client_error("InternalServerException", "oops", 500), True, "5xx"),
        (client_error("ServiceUnavailable", "later", 503), True, "any 5xx status"),
        (client_error("ValidationException", "bad"), False, "a caller error is final"),
        (client_error("ConflictException", "exists", 409), False, "conflicts are handled by adoption"),
        (EndpointConnectionError(endpoint_url="http://x"), True, "a dropped connection"),
    ],
)
def test_retry_policy(exc, retry, reason):
    assert aws.is_retryable(exc) is retry, reason


def test_retrying_client_retries_until_success_then_gives_up():
    calls = []

    class Fake:
        def get_evaluator(self, **kw):
            calls.append(kw)
            if len(calls) < 3:
                raise client_error("ThrottlingException", "slow down", 429)
            return {"ok": True}

    settings = aws.ClientSettings(max_attempts=3, backoff_base=0.0)
    assert aws.RetryingClient(Fake(), settings).get_evaluator(evaluatorId="x") == {"ok": True}
    assert len(calls) == 3
    calls.clear()
    with pytest.raises(ClientError):
        aws.RetryingClient(Fake(), aws.ClientSettings(max_attempts=2, backoff_base=0.0)).get_evaluator()
    assert len(calls) == 2, "gives up after max_attempts"


def test_client_tokens_are_fresh_per_call_and_fit_the_pattern():
    tokens = {awsops.fresh_token() for _ in range(50)}
    assert len(tokens) == 50, "one logical call, one token: never derived from the request"
    assert all(len(t) >= 33 and re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}", t) for t in tokens)


def test_owner_tags_fit_the_tag_pattern():
    tags = awsops.owner_tags("urn:pulumi:prod::evalctl::evalctl:evaluator:Evaluator::evaluator-x")
    assert tags["evalctl:stack"] == "prod"
    assert all(re.fullmatch(r"[a-zA-Z0-9\s._:/=+@-]*", v) for v in tags.values())
    assert tags != awsops.owner_tags("urn:pulumi:prod::evalctl::t::evaluator-y")


def test_missing_region_is_reported_before_any_call(monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    with pytest.raises(aws.MissingRegionError, match="evalctl:region"):
        aws.client(aws.CONTROL, aws.ClientSettings(profile=None, endpoint="http://x"), session=None)
