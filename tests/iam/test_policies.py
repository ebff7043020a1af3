"""Every grant template, statement by statement: which actions on which resources, and why."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evalctl import iam

AWS = iam.AwsTarget(account="123456789012", region="us-east-1")
SCOPE = iam.Scope(
    evaluator_names=("response_tone_dev",),
    builtin_evaluator_ids=("Builtin.Helpfulness",),
    online_evaluation_names=("support_online_dev",),
    model_ids=("anthropic.claude-3-haiku-20240307-v1:0", "us.amazon.nova-pro-v1:0"),
    source_log_groups=("/aws/bedrock-agentcore/runtimes/agent-abc-DEFAULT",),
    output_log_groups=(),
    log_group_names=("/evalctl/dev/results",),
    function_names=("tool_check_dev",),
    role_names=("online_exec_dev", "tool_check_dev_exec"),
)
SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "batch-evaluation-prerequisites.txt"

ACCT = "arn:aws:bedrock-agentcore:us-east-1:123456789012"
LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:"
RUNTIME = "/aws/bedrock-agentcore/runtimes/agent-abc-DEFAULT"
RESULTS = "/aws/bedrock-agentcore/evaluations/results/*"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
EVAL = ACCT + ":evaluator/response_tone_dev-??????????"
ONLINE = ACCT + ":online-evaluation-config/support_online_dev-??????????"
BUILTIN = "arn:aws:bedrock-agentcore:::evaluator/Builtin.Helpfulness"
KINDS = ("Evaluator", "OnlineEvaluationConfig")
TAGS = ["ListTagsForResource", "TagResource", "UntagResource"]
CI_ROLE = "arn:aws:iam::123456789012:role/ci"
MODELS = [
    "arn:aws:bedrock:*::foundation-model/amazon.nova-pro-v1:0",
    f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}",
    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0",
]

# (template, Sid, actions, resources, reason)
CASES = [
    (
        "invokeEvaluatorModels",
        "InvokeEvaluatorModels",
        ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
        MODELS,
        "only the judge models the evaluators name; a geo profile also needs its base model in any region",
    ),
    (
        "onlineEvaluationExecution",
        "ReadAgentTelemetry",
        ["logs:StartQuery"],
        [LOGS + RUNTIME, LOGS + RUNTIME + ":*", LOGS + "aws/spans", LOGS + "aws/spans:*"],
        "queries only the declared source log groups and the spans group",
    ),
    (
        "onlineEvaluationExecution",
        "QueryTelemetry",
        ["logs:DescribeLogGroups", "logs:GetQueryResults"],
        "*",
        "these two actions support no resource-level permission",
    ),
    (
        "onlineEvaluationExecution",
        "SpanIndexPolicy",
        ["logs:DescribeIndexPolicies", "logs:PutIndexPolicy"],
        [LOGS + "aws/spans", LOGS + "aws/spans:*"],
        "the service checks the Transaction Search index on spans",
    ),
    (
        "onlineEvaluationExecution",
        "WriteEvaluationResults",
        ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        [LOGS + RESULTS, LOGS + RESULTS + ":log-stream:*"],
        "results go to the service's dedicated groups only",
    ),
    (
        "onlineEvaluationExecution",
        "InvokeEvaluatorModels",
        ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
        MODELS,
        "LLM judges",
    ),
    (
        "onlineEvaluationExecution",
        "InvokeCodeEvaluators",
        ["lambda:GetFunction", "lambda:InvokeFunction"],
        ["arn:aws:lambda:us-east-1:123456789012:function:tool_check_dev"],
        "code-based evaluators of the stack",
    ),
    (
        "codeEvaluatorExecution",
        "CreateFunctionLogGroup",
        ["logs:CreateLogGroup"],
        [LOGS + "/aws/lambda/tool_check_dev"],
        "the function's own log group",
    ),
    (
        "codeEvaluatorExecution",
        "WriteFunctionLogs",
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        [LOGS + "/aws/lambda/tool_check_dev:log-stream:*"],
        "streams of the function's own log group",
    ),
    (
        "ciEvaluator",
        "PreflightReadEvaluators",
        ["bedrock-agentcore:GetEvaluator"],
        [EVAL, BUILTIN],
        "pre-flight reads the stack's evaluators and the built-ins it uses",
    ),
    (
        "ciEvaluator",
        "PreflightListEvaluators",
        ["bedrock-agentcore:ListEvaluators", "bedrock-agentcore:ListOnlineEvaluationConfigs"],
        "*",
        "list operations name no resource",
    ),
    (
        "ciEvaluator",
        "PreflightFindLogGroups",
        ["logs:DescribeLogGroups"],
        LOGS + "*",
        "pre-flight checks that span log groups exist",
    ),
    (
        "ciEvaluator",
        "Recommendations",
        ["bedrock-agentcore:GetRecommendation", "bedrock-agentcore:StartRecommendation"],
        ACCT + ":recommendation/*",
        "evalctl recommend starts one and waits for it",
    ),
    (
        "ciEvaluator",
        "DatasetGeneration",
        [
            f"bedrock-agentcore:{a}"
            for a in ("GetDatasetGeneration", "ListDatasetExamples", "StartDatasetGeneration")
        ],
        ACCT + ":dataset/*",
        "a generation has no ARN: it acts on the dataset in its path",
    ),
    (
        "ciEvaluator",
        "ListDatasetsAndAgentInsights",
        [
            f"bedrock-agentcore:{a}"
            for a in ("GetAgentInsight", "ListAgentInsights", "ListDatasets", "UpdateAgentInsight")
        ],
        "*",
        "a list names no resource; agent insights have no ARN in botocore's model",
    ),
    (
        "ciDeployer",
        "ManageStackEvaluationResources",
        [f"bedrock-agentcore:{v}{k}" for v in ("Delete", "Get", "Update") for k in KINDS]
        + [f"bedrock-agentcore:{t}" for t in TAGS],
        [EVAL, ONLINE],
        "read, update, delete only this stack's evaluators and online configs (name plus 10-character id)",
    ),
    (
        "ciDeployer",
        "BatchEvaluationJobs",
        [f"bedrock-agentcore:{v}BatchEvaluation" for v in ("Delete", "Get", "Start", "Stop")]
        + ["bedrock-agentcore:ListBatchEvaluations", "bedrock-agentcore:TagResource"],
        ACCT + ":batch-evaluate/*",
        "batch jobs in this account and region",
    ),
    (
        "ciDeployer",
        "PassStackRoles",
        ["iam:PassRole"],
        [
            "arn:aws:iam::123456789012:role/online_exec_dev",
            "arn:aws:iam::123456789012:role/tool_check_dev_exec",
        ],
        "pass only the stack's roles",
    ),
    (
        "ciDeployer",
        "ManageStackLogGroups",
        [
            "logs:CreateLogGroup",
            "logs:DeleteLogGroup",
            "logs:DeleteRetentionPolicy",
            "logs:ListTagsForResource",
            "logs:ListTagsLogGroup",
            "logs:PutRetentionPolicy",
            "logs:TagLogGroup",
            "logs:TagResource",
            "logs:UntagResource",
        ],
        [LOGS + "/evalctl/dev/results", LOGS + "/evalctl/dev/results:*"],
        "only the stack's log groups",
    ),
    (
        "ciDeployer",
        "SpanIndexPolicy",
        ["logs:DescribeIndexPolicies", "logs:PutIndexPolicy"],
        [LOGS + "aws/spans", LOGS + "aws/spans:*"],
        "creating an online evaluation checks the spans index",
    ),
]


def _find(statements, sid):
    found = [s for s in statements if s.get("Sid") == sid]
    assert len(found) == 1, f"expected one statement {sid}, got {[s.get('Sid') for s in statements]}"
    return found[0]


@pytest.mark.parametrize(("template", "sid", "actions", "resources", "reason"), CASES)
def test_template_statement(template, sid, actions, resources, reason):
    stmt = _find(iam.template_statements(template, SCOPE, AWS), sid)
    assert stmt["Effect"] == "Allow", reason
    assert stmt["Action"] == sorted(actions), reason
    assert stmt["Resource"] == (resources if isinstance(resources, str) else sorted(resources)), reason


def test_batch_caller_is_exactly_the_documented_minimal_policy():
    doc = iam.policy_document(iam.template_statements("batchEvaluationCaller", SCOPE, AWS))
    if SEED.exists():
        raw = SEED.read_text()
        expected = json.loads(raw[raw.index('{ "Version"') : raw.index("] }\nNote") + 3])
    else:
        pytest.skip("shared seed not available")
    normalise = lambda d: [{k: sorted(v) if isinstance(v, list) else v for k, v in s.items()} for s in d]  # noqa: E731
    assert normalise(doc["Statement"]) == normalise(expected["Statement"])


def test_ci_evaluator_starts_with_the_batch_caller_policy():
    caller = iam.template_statements("batchEvaluationCaller", SCOPE, AWS)
    assert iam.template_statements("ciEvaluator", SCOPE, AWS)[: len(caller)] == caller


def test_ci_deployer_pass_role_is_conditioned_on_the_services():
    stmt = _find(iam.template_statements("ciDeployer", SCOPE, AWS), "PassStackRoles")
    services = stmt["Condition"]["StringEquals"]["iam:PassedToService"]
    assert services == ["bedrock-agentcore.amazonaws.com", "lambda.amazonaws.com"]


def test_ci_deployer_grants_no_wildcard_on_iam_lambda_or_log_group_management():
    for stmt in iam.template_statements("ciDeployer", SCOPE, AWS):
        if any(a.split(":")[0] in {"iam", "lambda"} for a in stmt["Action"]):
            assert "*" not in "".join(stmt["Resource"]).replace(":*", ""), stmt
    assert all(s["Resource"] != "*" for s in iam.template_statements("ciDeployer", SCOPE, AWS))


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("invokeEvaluatorModels", "no judge model declared, nothing to invoke"),
        ("codeEvaluatorExecution", "no function declared, no log group to write"),
    ],
)
def test_empty_scope_grants_nothing(template, reason):
    assert iam.template_statements(template, iam.Scope(), AWS) == [], reason


def test_unknown_template_names_the_valid_ones():
    with pytest.raises(iam.UnknownGrantError, match="ciDeployer") as exc:
        iam.template_statements("ciDeploy", SCOPE, AWS)
    assert "'ciDeploy'" in str(exc.value)


def test_policy_document_drops_duplicates_and_numbers_clashing_sids():
    a = iam.statement("Read", ["logs:GetLogEvents"], "*")
    b = iam.statement("Read", ["logs:FilterLogEvents"], "*")
    doc = iam.policy_document([a, a, b])
    assert [s["Sid"] for s in doc["Statement"]] == ["Read", "Read2"]
    assert doc["Version"] == "2012-10-17"
    assert all(re.fullmatch(r"[A-Za-z0-9]+", s["Sid"]) for s in doc["Statement"])


@pytest.mark.parametrize(
    ("who", "principal", "condition", "reason"),
    [
        (
            "bedrock-agentcore.amazonaws.com",
            {"Service": "bedrock-agentcore.amazonaws.com"},
            {
                "StringEquals": {"aws:SourceAccount": "123456789012"},
                "ArnLike": {"aws:SourceArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:*"},
            },
            "confused-deputy protection for the AgentCore service",
        ),
        ("lambda.amazonaws.com", {"Service": "lambda.amazonaws.com"}, None, "Lambda sets no source context"),
        ("210987654321", {"AWS": "arn:aws:iam::210987654321:root"}, None, "an account id means its root"),
        (CI_ROLE, {"AWS": CI_ROLE}, None, "a principal ARN"),
    ],
)
def test_trust_policy(who, principal, condition, reason):
    (stmt,) = iam.trust_policy([who], AWS)["Statement"]
    assert stmt["Principal"] == principal, reason
    assert stmt["Action"] == "sts:AssumeRole", reason
    assert stmt.get("Condition") == condition, reason


def test_ci_deployer_reads_and_updates_the_insight_store_only_when_declared():
    sids = {s.get("Sid") for s in iam.template_statements("ciDeployer", SCOPE, AWS)}
    assert "AgentInsightStore" not in sids
    declared = iam.Scope(**{**SCOPE.__dict__, "insight_store": True})
    stmt = _find(iam.template_statements("ciDeployer", declared, AWS), "AgentInsightStore")
    verbs = ("GetAgentInsightStore", "ListAgentInsightStores", "UpdateAgentInsightStore")
    assert stmt["Action"] == [f"bedrock-agentcore:{v}" for v in verbs]
    assert stmt["Resource"] == ACCT + ":agent-insight-store/*"


def test_ci_deployer_manages_datasets_and_reads_their_s3_objects_only_when_declared():
    sids = {s.get("Sid") for s in iam.template_statements("ciDeployer", SCOPE, AWS)}
    assert not sids & {"ManageStackDatasets", "ReadDatasetObjects"}
    in_git = iam.Scope(**{**SCOPE.__dict__, "datasets": True})
    sids = {s.get("Sid") for s in iam.template_statements("ciDeployer", in_git, AWS)}
    assert "ManageStackDatasets" in sids and "ReadDatasetObjects" not in sids, "no S3 object, no S3 grant"
    in_s3 = iam.Scope(**{**in_git.__dict__, "dataset_objects": ("s3://eval-data/a.jsonl",)})
    stmt = _find(iam.template_statements("ciDeployer", in_s3, AWS), "ReadDatasetObjects")
    assert (stmt["Action"], stmt["Resource"]) == (["s3:GetObject"], ["arn:aws:s3:::eval-data/a.jsonl"])
    odd = iam.Scope(**{**in_git.__dict__, "dataset_objects": ("s3://eval-data/a*b?$c.jsonl",)})
    stmt = _find(iam.template_statements("ciDeployer", odd, AWS), "ReadDatasetObjects")
    assert stmt["Resource"] == ["arn:aws:s3:::eval-data/a${*}b${?}${$}c.jsonl"], (
        "a key's * and ? are not wildcards"
    )
    managed = _find(iam.template_statements("ciDeployer", in_s3, AWS), "ManageStackDatasets")
    assert managed["Resource"] == ACCT + ":dataset/*"
