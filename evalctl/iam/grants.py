"""The pieces IAM grants are built from (targets, scopes, statements, ARNs) and the service-role grants."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

AGENTCORE_PRINCIPAL = "bedrock-agentcore.amazonaws.com"
LAMBDA_PRINCIPAL = "lambda.amazonaws.com"
POLICY_VERSION = "2012-10-17"
# AgentCore ids are the resource name, a dash and 10 random characters; `?` matches one character,
# so a stack's resources can be named in a policy before the service has created them.
ID_SUFFIX = "-" + "?" * 10
# Cross-region inference profiles have a geography prefix in front of the foundation model id.
PROFILE_PREFIXES = ("us.", "eu.", "apac.", "jp.", "au.", "ca.", "us-gov.", "global.")

Statement = dict[str, Any]
Document = dict[str, Any]


@dataclass(frozen=True)
class AwsTarget:
    """The account and region a stack deploys into."""

    account: str
    region: str
    partition: str = "aws"

    def arn(
        self, service: str, resource: str, *, region: str | None = None, account: str | None = None
    ) -> str:
        reg = self.region if region is None else region
        acct = self.account if account is None else account
        return f"arn:{self.partition}:{service}:{reg}:{acct}:{resource}"

    def log_group(self, name: str) -> str:
        return self.arn("logs", f"log-group:{name}")


@dataclass(frozen=True)
class Scope:
    """Physical names of everything a grant may touch; built from the specs of one stack."""

    evaluator_names: tuple[str, ...] = ()
    builtin_evaluator_ids: tuple[str, ...] = ()
    online_evaluation_names: tuple[str, ...] = ()
    model_ids: tuple[str, ...] = ()
    source_log_groups: tuple[str, ...] = ()
    source_log_group_prefixes: tuple[str, ...] = ()
    output_log_groups: tuple[str, ...] = ()
    log_group_names: tuple[str, ...] = ()
    function_names: tuple[str, ...] = ()
    function_arns: tuple[str, ...] = ()
    role_names: tuple[str, ...] = ()
    # The stack declares an InsightStore: its deployer reads and updates the Region's singleton store.
    insight_store: bool = False
    # The stack declares Datasets; the s3://bucket/key of those kept in S3 (`pulumi up` reads them).
    datasets: bool = False
    dataset_objects: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


def statement(
    sid: str | None, actions: Iterable[str], resources: Iterable[str] | str, **extra: Any
) -> Statement:
    """One Allow statement; lists are sorted and de-duplicated so output is stable."""
    out: Statement = {"Sid": sid} if sid else {}
    out["Effect"] = "Allow"
    out["Action"] = sorted(set(actions))
    out["Resource"] = resources if isinstance(resources, str) else sorted(set(resources))
    out.update(extra)
    return out


def model_arns(model_ids: Iterable[str], aws: AwsTarget) -> list[str]:
    """ARNs a judge model id resolves to: the foundation model, or an inference profile and its models."""
    arns: list[str] = []
    for model in model_ids:
        if model.startswith("arn:"):
            arns.append(model)
            continue
        prefix = next((p for p in PROFILE_PREFIXES if model.startswith(p)), None)
        if prefix is None:
            arns.append(aws.arn("bedrock", f"foundation-model/{model}", account=""))
            continue
        arns.append(aws.arn("bedrock", f"inference-profile/{model}"))
        # A cross-region profile routes to the base model in any region of its geography.
        arns.append(aws.arn("bedrock", f"foundation-model/{model[len(prefix) :]}", region="*", account=""))
    return arns


def evaluator_arns(scope: Scope, aws: AwsTarget) -> list[str]:
    custom = [aws.arn("bedrock-agentcore", f"evaluator/{n}{ID_SUFFIX}") for n in scope.evaluator_names]
    builtin = [
        aws.arn("bedrock-agentcore", f"evaluator/{i}", region="", account="")
        for i in scope.builtin_evaluator_ids
    ]
    return custom + builtin


def online_config_arns(scope: Scope, aws: AwsTarget) -> list[str]:
    return [
        aws.arn("bedrock-agentcore", f"online-evaluation-config/{n}{ID_SUFFIX}")
        for n in scope.online_evaluation_names
    ]


def log_group_arns(names: Iterable[str], aws: AwsTarget, *, streams: bool = False) -> list[str]:
    arns: list[str] = []
    for name in names:
        arns.append(aws.log_group(name))
        if streams:
            arns.append(aws.log_group(name) + ":*")
    return arns


def function_arns(scope: Scope, aws: AwsTarget) -> list[str]:
    return [aws.arn("lambda", f"function:{n}") for n in scope.function_names] + list(scope.function_arns)


# ---- service-role grants ----------------------------------------------------------------------------------


def batch_evaluation_caller(scope: Scope, aws: AwsTarget) -> list[Statement]:
    """Exactly the documented minimal policy for calling batch evaluations."""
    del scope, aws
    return [
        statement(
            None,
            [f"bedrock-agentcore:{a}BatchEvaluation" for a in ("Start", "Get", "Stop", "Delete")]
            + ["bedrock-agentcore:ListBatchEvaluations"],
            "arn:aws:bedrock-agentcore:*:*:batch-evaluate/*",
        ),
        statement(
            "ReadAgentLogs",
            ["logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults"],
            [
                "arn:aws:logs:*:*:log-group:/aws/bedrock-agentcore/runtimes/*",
                "arn:aws:logs:*:*:log-group:/aws/bedrock-agentcore/evaluations/*",
            ],
        ),
        statement(
            "BedrockInvokeForCustomEvaluators",
            ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            ["arn:aws:bedrock:*::foundation-model/*", "arn:aws:bedrock:*:*:inference-profile/*"],
        ),
    ]


def invoke_evaluator_models(scope: Scope, aws: AwsTarget) -> list[Statement]:
    """Invoke only the judge models the stack's evaluators name."""
    if not scope.model_ids:
        return []
    actions = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    return [statement("InvokeEvaluatorModels", actions, model_arns(scope.model_ids, aws))]


def online_evaluation_execution(scope: Scope, aws: AwsTarget) -> list[Statement]:
    """What the service does with an online evaluation's execution role."""
    sources = log_group_arns(scope.source_log_groups, aws, streams=True)
    sources += [aws.log_group(p) + "*" for p in scope.source_log_group_prefixes]
    spans = log_group_arns(["aws/spans"], aws, streams=True)
    results = [aws.log_group("/aws/bedrock-agentcore/evaluations/results/*")]
    results += log_group_arns(scope.output_log_groups, aws)
    out = [
        statement("ReadAgentTelemetry", ["logs:StartQuery"], sources + spans),
        # Neither action supports resource-level permissions; the service lists groups to find them.
        statement("QueryTelemetry", ["logs:GetQueryResults", "logs:DescribeLogGroups"], "*"),
        # The service checks (and sets) the Transaction Search field index on the spans group.
        statement("SpanIndexPolicy", ["logs:DescribeIndexPolicies", "logs:PutIndexPolicy"], spans),
        statement(
            "WriteEvaluationResults",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            results + [r + ":log-stream:*" for r in results],
        ),
    ]
    out += invoke_evaluator_models(scope, aws)
    functions = function_arns(scope, aws)
    if functions:
        out.append(
            statement("InvokeCodeEvaluators", ["lambda:InvokeFunction", "lambda:GetFunction"], functions)
        )
    return out


def code_evaluator_execution(scope: Scope, aws: AwsTarget) -> list[Statement]:
    """Basic Lambda execution: write its own log group, nothing else."""
    groups = [f"/aws/lambda/{n}" for n in scope.function_names]
    if not groups:
        return []
    return [
        statement("CreateFunctionLogGroup", ["logs:CreateLogGroup"], log_group_arns(groups, aws)),
        statement(
            "WriteFunctionLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [aws.log_group(g) + ":log-stream:*" for g in groups],
        ),
    ]
