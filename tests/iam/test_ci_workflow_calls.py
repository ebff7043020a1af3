"""Every AWS call `evalctl insights`, `recommend` and `dataset generate` make is allowed by ciEvaluator.

The commands run against the emulator; each call their boto3 clients make is recorded (service,
operation, the resource it names) and must match an Allow statement of the generated policy: the
action, and a Resource pattern covering the call's resource ARN (IAM's `*` and `?` wildcards).
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest

from evalctl import aws, iam
from evalctl.cli.main import main
from evalctl.emulator.settings import ACCOUNT_ID
from evalctl.spec.names import physical_name
from tests.emulator import agent_insight_data as insight_seed
from tests.emulator.helpers import DATASET_SPEC

REGION = "us-east-1"
TARGET = iam.AwsTarget(account=ACCOUNT_ID, region=REGION)
SCOPE = iam.Scope(evaluator_names=("response_tone_dev",), builtin_evaluator_ids=("Builtin.Helpfulness",))
# STS documents GetCallerIdentity as needing no permission ("No permissions are required to perform
# this operation", STS API reference); `recommend` uses it to build log group ARNs.
NO_PERMISSION = {"sts:GetCallerIdentity"}
FILES = ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json")
# Request or response members that name a resource, and the ARN each stands for.
_RESOURCES = {
    "recommendationId": "recommendation/{}",
    "datasetId": "dataset/{}",
    "evaluatorId": "evaluator/{}",
}


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(IAM action, resource ARN or "*") of every call made through evalctl.aws's clients."""
    seen: list[tuple[str, str]] = []
    build = aws._build

    def recording(service: str, settings: Any, session: Any) -> Any:
        client = build(service, settings, session)

        def before(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["recorded_request"] = params  # the serialised request: url_path and body

        def after(model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            action = f"{model.service_model.signing_name}:{model.name}"
            seen.append((action, _resource(context.get("recorded_request") or {}, parsed)))

        client.meta.events.register("before-call", before)
        client.meta.events.register("after-call", after)
        return client

    monkeypatch.setattr(aws, "_CLIENTS", {})  # clients built by earlier tests carry no recorder
    monkeypatch.setattr(aws, "_build", recording)
    return seen


def _resource(params: dict[str, Any], parsed: dict[str, Any]) -> str:
    body = params.get("body")
    sent = json.loads(body) if isinstance(body, bytes | str) and body else {}
    path = str(params.get("url_path") or "").partition("?")[0].split("/")
    if sent.get("logGroupName"):  # CloudWatch Logs calls name their log group in the body
        return TARGET.log_group(str(sent["logGroupName"]))
    if "logGroupNamePrefix" in sent:  # DescribeLogGroups lists the account's groups: log-group:*
        return TARGET.log_group("*")
    for key, template in _RESOURCES.items():
        value = sent.get(key) or parsed.get(key) or _from_path(path, key)
        if value and not str(value).startswith("Builtin."):
            return TARGET.arn("bedrock-agentcore", template.format(value))
    return "*"


def _from_path(parts: list[str], key: str) -> str | None:
    """The id after its collection in the request path (`/datasets/<id>/...`, `/recommendations/<id>`)."""
    collection = {"datasetId": "datasets", "recommendationId": "recommendations", "evaluatorId": "evaluators"}
    name = collection[key]
    return parts[parts.index(name) + 1] if name in parts[:-1] else None


def allowed(action: str, resource: str, statements: list[dict[str, Any]]) -> bool:
    for stmt in statements:
        resources = [stmt["Resource"]] if isinstance(stmt["Resource"], str) else stmt["Resource"]
        if action in stmt["Action"] and any(fnmatch.fnmatchcase(resource, r) for r in resources):
            return True
    return False


def test_every_workflow_call_is_granted(
    emulator: Any, calls: list[tuple[str, str]], span_fixtures: Path, tmp_path: Path, capsys: Any
) -> None:
    common = ["--endpoint", emulator.endpoint, "--region", REGION]
    # recommend and dataset generate first (the insights' batch then moves the emulator clock past
    # their window), with lifecycles short enough to wait for in real time
    service = "agent.DEFAULT"
    emulator.admin.seed([span_fixtures / f for f in FILES], service)
    emulator.admin.configure(
        recommendation_pending_seconds=0.05, recommendation_run_seconds=0.1, generation_session_seconds=0.1
    )
    flags = [*common, "--service", service, "--poll", "0.05"]
    assert main(["recommend", "--prompt", "Be brief.", *flags]) == 0
    # With --log-group, its pre-flight checks the group exists (DescribeLogGroups) before Start.
    named = ["--log-group", "aws/spans", "--name", "named"]
    assert main(["recommend", "--prompt", "Be brief.", *named, *flags]) == 0
    specs = tmp_path / "evaluations"
    specs.mkdir()
    (specs / "cases.yaml").write_text(DATASET_SPEC)
    control = emulator.client("bedrock-agentcore-control")
    control.create_dataset(datasetName=physical_name("Dataset", "cases", {}, "dev"))
    emulator.admin.advance_clock(1)
    assert main(["dataset", "generate", "cases", "--specs", str(specs), "--stack", "dev", *flags]) == 0

    capsys.readouterr()  # what recommend and dataset generate printed
    # insights list | show | archive, over an insight a finished FailureAnalysis batch found
    emulator.admin.seed([insight_seed.failing_spans(span_fixtures, tmp_path)], insight_seed.SERVICE)
    insight_seed.enable_store(emulator, emulator.client("bedrock-agentcore-control"))
    insight_seed.finished_batch(emulator, emulator.client("bedrock-agentcore"))
    assert main(["insights", "list", "--json", *common]) == 0
    [insight] = json.loads(capsys.readouterr().out)
    for action in ("show", "archive"):
        assert main(["insights", action, insight["agentInsightId"], *common]) == 0

    made = {action for action, _ in calls}
    # The calls the code makes (evalctl/cli/insights.py, recommend.py, dataset.py), all seen here.
    expected = {
        "bedrock-agentcore:ListAgentInsights", "bedrock-agentcore:GetAgentInsight",
        "bedrock-agentcore:UpdateAgentInsight", "sts:GetCallerIdentity",
        "bedrock-agentcore:StartRecommendation", "bedrock-agentcore:GetRecommendation",
        "bedrock-agentcore:ListDatasets", "bedrock-agentcore:StartDatasetGeneration",
        "bedrock-agentcore:GetDatasetGeneration", "bedrock-agentcore:ListDatasetExamples",
        "logs:FilterLogEvents", "logs:DescribeLogGroups",
    }  # fmt: skip
    assert made == expected
    policy = iam.template_statements("ciEvaluator", SCOPE, TARGET)
    refused = sorted({(a, r) for a, r in calls if a not in NO_PERMISSION and not allowed(a, r, policy)})
    assert refused == []
    # The resources were really named, so the check above compared ARNs, not only "*".
    assert any(r.endswith(":dataset/" + r.rpartition("/")[2]) and r != "*" for _, r in calls)
    assert any(":recommendation/" in r for _, r in calls)


def test_the_custom_evaluator_a_recommendation_names_is_read_only_if_the_stack_owns_it() -> None:
    policy = iam.template_statements("ciEvaluator", SCOPE, TARGET)
    own = TARGET.arn("bedrock-agentcore", "evaluator/response_tone_dev-AbCdEfGhIj")
    other = TARGET.arn("bedrock-agentcore", "evaluator/someone_else-AbCdEfGhIj")
    assert allowed("bedrock-agentcore:GetEvaluator", own, policy)
    assert not allowed("bedrock-agentcore:GetEvaluator", other, policy)
