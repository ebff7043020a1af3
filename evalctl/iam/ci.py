"""Least-privilege grants for CI: `ciDeployer` (what `pulumi up` of the stack needs) and `ciEvaluator`."""

from __future__ import annotations

from evalctl.iam.grants import (
    AGENTCORE_PRINCIPAL,
    LAMBDA_PRINCIPAL,
    AwsTarget,
    Scope,
    Statement,
    batch_evaluation_caller,
    evaluator_arns,
    log_group_arns,
    online_config_arns,
    statement,
)


def ci_evaluator(scope: Scope, aws: AwsTarget) -> list[Statement]:
    """`evalctl run`: the batch-evaluation caller policy plus control-plane reads for pre-flight."""
    reads = ["bedrock-agentcore:GetEvaluator"]
    out = batch_evaluation_caller(scope, aws)
    evaluators = evaluator_arns(scope, aws)
    if evaluators:
        out.append(statement("PreflightReadEvaluators", reads, evaluators))
    # List operations take no resource ARN; pre-flight uses them to resolve names to ids.
    out.append(
        statement(
            "PreflightListEvaluators",
            ["bedrock-agentcore:ListEvaluators", "bedrock-agentcore:ListOnlineEvaluationConfigs"],
            "*",
        )
    )
    # `evalctl run`'s pre-flight and `evalctl recommend --log-group` check that the groups exist.
    out.append(statement("PreflightFindLogGroups", ["logs:DescribeLogGroups"], aws.log_group("*")))
    return out + _workflows(aws)


def _workflows(aws: AwsTarget) -> list[Statement]:
    """`evalctl recommend`, `evalctl dataset generate` and `evalctl insights list|show|archive`."""
    agentcore = "bedrock-agentcore:"
    return [
        # RecommendationArn is `...:recommendation/<name>-<10 chars>`; Start names no existing one.
        statement(
            "Recommendations",
            [agentcore + "StartRecommendation", agentcore + "GetRecommendation"],
            aws.arn("bedrock-agentcore", "recommendation/*"),
        ),
        # `evalctl recommend --service` without --log-group reads the service's spans for the runtime
        # log groups they name (aws.log.group.names): the groups that hold the message text.
        statement(
            "FindRuntimeLogGroups", ["logs:FilterLogEvents"], log_group_arns(["aws/spans"], aws, streams=True)
        ),
        # A generation has no ARN of its own (botocore: only DatasetArn, `...:dataset/<id>`): its
        # operations, like the example listing, act on the dataset in the request path. The scope
        # carries no dataset names, so any dataset of the account and Region.
        statement(
            "DatasetGeneration",
            [
                agentcore + a
                for a in ("StartDatasetGeneration", "GetDatasetGeneration", "ListDatasetExamples")
            ],
            aws.arn("bedrock-agentcore", "dataset/*"),
        ),
        # `evalctl run` of a dataset batch shows the version's scenario count while the job is PENDING.
        statement(
            "DatasetVersionCounts",
            [agentcore + "ListDatasetVersions"],
            aws.arn("bedrock-agentcore", "dataset/*"),
        ),
        # ListDatasets names no resource; an agent insight has no ARN in botocore's model (an id and
        # an application name only), so its operations cannot be narrowed below the account either.
        statement(
            "ListDatasetsAndAgentInsights",
            [
                agentcore + a
                for a in ("ListDatasets", "ListAgentInsights", "GetAgentInsight", "UpdateAgentInsight")
            ],
            "*",
        ),
    ]


def ci_deployer(scope: Scope, aws: AwsTarget) -> list[Statement]:
    """`pulumi up` of this stack: its AgentCore resources, roles, log groups and functions only."""
    manage = ["Get", "Update", "Delete"]
    tags = ["bedrock-agentcore:TagResource", "bedrock-agentcore:UntagResource"]
    tags.append("bedrock-agentcore:ListTagsForResource")
    out = [
        # Create and List name no existing resource, so they cannot be narrowed below the account.
        statement(
            "CreateAndListEvaluationResources",
            [f"bedrock-agentcore:{a}" for a in ("CreateEvaluator", "CreateOnlineEvaluationConfig")]
            + ["bedrock-agentcore:ListEvaluators", "bedrock-agentcore:ListOnlineEvaluationConfigs"]
            + tags[:1],
            [
                aws.arn("bedrock-agentcore", "evaluator/*"),
                aws.arn("bedrock-agentcore", "online-evaluation-config/*"),
            ],
        ),
        statement(
            "BatchEvaluationJobs",
            [f"bedrock-agentcore:{a}BatchEvaluation" for a in ("Start", "Get", "Stop", "Delete")]
            + ["bedrock-agentcore:ListBatchEvaluations", *tags[:1]],
            aws.arn("bedrock-agentcore", "batch-evaluate/*"),
        ),
    ]
    own = [a for a in evaluator_arns(scope, aws) if ":::" not in a] + online_config_arns(scope, aws)
    if own:
        kinds = ("Evaluator", "OnlineEvaluationConfig")
        actions = [f"bedrock-agentcore:{m}{k}" for m in manage for k in kinds] + tags
        out.append(statement("ManageStackEvaluationResources", actions, own))
    if scope.insight_store:  # adopted, never created or deleted: read and update only
        actions = [f"bedrock-agentcore:{a}" for a in ("GetAgentInsightStore", "UpdateAgentInsightStore")]
        actions.append("bedrock-agentcore:ListAgentInsightStores")
        out.append(
            statement("AgentInsightStore", actions, aws.arn("bedrock-agentcore", "agent-insight-store/*"))
        )
    out += _deployer_iam(scope, aws) + _deployer_logs(scope, aws) + _deployer_lambda(scope, aws)
    return out + _deployer_datasets(scope, aws)


def _deployer_datasets(scope: Scope, aws: AwsTarget) -> list[Statement]:
    """The Dataset provider's calls; a dataset's ARN ends in its id alone (botocore: DatasetArn), so
    the scope carries no name to narrow by: any dataset of the account and Region."""
    if not scope.datasets:
        return []
    verbs = [f"{v}Dataset" for v in ("Create", "Get", "Update", "Delete")] + ["ListDatasets"]
    verbs += [f"{v}DatasetExamples" for v in ("List", "Add", "Update", "Delete")]
    verbs += ["CreateDatasetVersion", "ListDatasetVersions", "TagResource", "UntagResource"]
    verbs.append("ListTagsForResource")
    actions = [f"bedrock-agentcore:{v}" for v in verbs]
    out = [statement("ManageStackDatasets", actions, aws.arn("bedrock-agentcore", "dataset/*"))]
    if scope.dataset_objects:
        # The provider reads an S3-backed dataset's object (GetObject) and checks its examples before
        # CreateDataset or AddDatasetExamples is asked to read it: only those objects.
        objects = [
            f"arn:{aws.partition}:s3:::{_literal(uri.removeprefix('s3://'))}" for uri in scope.dataset_objects
        ]
        out.append(statement("ReadDatasetObjects", ["s3:GetObject"], objects))
    return out


def _literal(key: str) -> str:
    """An S3 key as itself in a policy Resource: `*` and `?` there are wildcards, so a key holding them
    would grant more objects; IAM's special policy variables ${*}, ${?} and ${$} stand for the characters."""
    return key.replace("$", "${$}").replace("*", "${*}").replace("?", "${?}")


def _deployer_iam(scope: Scope, aws: AwsTarget) -> list[Statement]:
    if not scope.role_names:
        return []
    roles = [f"arn:{aws.partition}:iam::{aws.account}:role/{n}" for n in scope.role_names]
    actions = [f"iam:{a}Role" for a in ("Create", "Delete", "Get", "Update", "Tag", "Untag")]
    actions += [f"iam:{a}RolePolicy" for a in ("Put", "Get", "Delete")]
    actions += ["iam:UpdateAssumeRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"]
    actions += ["iam:ListInstanceProfilesForRole", "iam:ListRoleTags"]
    passed = {"iam:PassedToService": [AGENTCORE_PRINCIPAL, LAMBDA_PRINCIPAL]}
    return [
        statement("ManageStackRoles", actions, roles),
        statement("PassStackRoles", ["iam:PassRole"], roles, Condition={"StringEquals": passed}),
    ]


def _deployer_logs(scope: Scope, aws: AwsTarget) -> list[Statement]:
    out = [statement("DescribeLogGroups", ["logs:DescribeLogGroups"], aws.log_group("*"))]
    if scope.log_group_names:
        actions = ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy"]
        actions += ["logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource"]
        actions += ["logs:ListTagsForResource", "logs:ListTagsLogGroup", "logs:TagLogGroup"]
        groups = log_group_arns(scope.log_group_names, aws, streams=True)
        out.append(statement("ManageStackLogGroups", actions, groups))
    if scope.online_evaluation_names:
        spans = log_group_arns(["aws/spans"], aws, streams=True)
        # Creating an online evaluation checks the caller can see and set the spans index policy.
        out.append(statement("SpanIndexPolicy", ["logs:DescribeIndexPolicies", "logs:PutIndexPolicy"], spans))
    return out


def _deployer_lambda(scope: Scope, aws: AwsTarget) -> list[Statement]:
    if not scope.function_names:
        return []
    verbs = ("Create", "Get", "Delete")
    actions = [f"lambda:{v}Function" for v in verbs]
    actions += [
        "lambda:GetFunctionConfiguration",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
    ]
    actions += [
        "lambda:AddPermission",
        "lambda:RemovePermission",
        "lambda:GetPolicy",
        "lambda:ListVersionsByFunction",
    ]
    actions += [
        "lambda:GetFunctionCodeSigningConfig",
        "lambda:TagResource",
        "lambda:UntagResource",
        "lambda:ListTags",
    ]
    arns = [aws.arn("lambda", f"function:{n}") for n in scope.function_names]
    return [statement("ManageStackFunctions", actions, arns)]
