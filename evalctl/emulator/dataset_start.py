"""StartBatchEvaluation with `datasetExecutionConfig`: the checks at Start and the run's saved plan.

Every rule quotes botocore 1.44.5 (bedrock-agentcore); see the emulator README, "Dataset batches".
StartBatchEvaluation lists no ResourceNotFoundException, so a missing dataset, version or agent is a
ValidationException.
"""

from __future__ import annotations

from typing import Any

from evalctl import request_template, scenarios
from evalctl.emulator import agents, cwlogs
from evalctl.emulator.core import Core, Request
from evalctl.emulator.datasets import DRAFT, TABLE, latest_version
from evalctl.emulator.errors import ValidationError

MAX_SCENARIOS = 1000  # DatasetSource: "between 1 and 1,000 scenarios"
# AgentRuntimeEndpointArn: arn:aws...:bedrock-agentcore:<region>:<account>:runtime/...
_REGION, _ACCOUNT = 3, 4


def check_request(params: dict[str, Any]) -> None:
    """DatasetExecutionConfig: "You must also specify evaluators and a dataSourceConfig that uses
    cloudWatchLogs [...] You can't specify insights or an onlineEvaluationConfigSource"."""
    if not params.get("evaluators"):
        raise ValidationError(
            "datasetExecutionConfig needs evaluators to score the sessions the agent produces"
        )
    if params.get("insights"):
        raise ValidationError("insights can't be specified with datasetExecutionConfig")
    if "cloudWatchLogs" not in params["dataSourceConfig"]:
        raise ValidationError(
            "datasetExecutionConfig needs a dataSourceConfig that uses cloudWatchLogs (the service name and "
            "log groups the agent writes its traces to), not onlineEvaluationConfigSource"
        )


def _examples(core: Core, source: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """(version, examples) the run uses: a published version, the newest one when none is named."""
    dataset_id = source["datasetId"]
    record = core.settle(TABLE).get(dataset_id)
    if record is None or record["status"] == "DELETING":
        raise ValidationError(f"Dataset {dataset_id} does not exist")
    if record["schemaType"] != scenarios.PREDEFINED:
        # DatasetSource: "The dataset must use the predefined evaluation schema".
        raise ValidationError(
            f"Dataset {dataset_id} is {record['schemaType']}; the dataset must use the predefined "
            f"evaluation schema ({scenarios.PREDEFINED})"
        )
    asked = source.get("datasetVersion")
    if asked == DRAFT:
        raise ValidationError(
            "You can't run the DRAFT version of a dataset; publish it (CreateDatasetVersion)"
        )
    # DatasetVersion: "If you don't specify a version, the batch evaluation uses the latest published
    # version."
    version = str(int(asked)) if asked is not None else latest_version(record)
    if version is None:
        raise ValidationError(
            f"Dataset {dataset_id} has no published version; publish it (CreateDatasetVersion)"
        )
    found = record["_versions"].get(version)
    if found is None:
        raise ValidationError(f"Dataset {dataset_id} has no version {asked}")
    examples = list(found["examples"])
    if not 1 <= len(examples) <= MAX_SCENARIOS:
        raise ValidationError(
            f"Dataset {dataset_id} version {version} has {len(examples)} scenarios; "
            f"a run needs 1 to {MAX_SCENARIOS}"
        )
    return version, examples


def _agent(core: Core, runtime: dict[str, Any], req: Request) -> str:
    """The local agent's URL for the endpoint, which must be in the batch's account and Region."""
    arn = runtime["agentRuntimeEndpointArn"]
    parts = arn.split(":")
    if len(parts) > _ACCOUNT and (parts[_REGION], parts[_ACCOUNT]) != (req.region, req.account):
        # AgentRuntimeEndpointArn: "Specify an endpoint in the same account and Region as the batch
        # evaluation."
        raise ValidationError(
            f"agentRuntimeEndpointArn {arn} is not in the batch evaluation's account and Region "
            f"({req.account}, {req.region})"
        )
    url = core.agents.get(agents.runtime_arn(arn))
    if url is None:
        # "The service requires the endpoint and its agent runtime version to be ready": here, mapped.
        raise ValidationError(
            f"Agent runtime endpoint {arn} is not ready: map it to a local agent with "
            f"`evalctl emulator --agent {agents.runtime_arn(arn)}=URL`"
        )
    return url


def plan(core: Core, params: dict[str, Any], req: Request) -> tuple[dict[str, Any], dict[str, Any]]:
    """(saved run plan, GetBatchEvaluation's datasetExecutionDetails) for a dataset Start."""
    check_request(params)
    config = params["datasetExecutionConfig"]
    runtime = config["agentInvocation"].get("agentCoreRuntime")
    if not runtime:
        raise ValidationError("agentInvocation must name agentCoreRuntime")
    template = runtime.get("requestTemplate")
    if template is not None:
        why = request_template.problem(template)
        if why is not None:
            raise ValidationError(f"requestTemplate {why}")
    version, examples = _examples(core, config["dataset"])
    url = _agent(core, runtime, req)
    settings = core.settings
    saved = {
        "examples": examples,
        "agentUrl": url,
        "endpointArn": runtime["agentRuntimeEndpointArn"],
        "template": template or request_template.DEFAULT,
        "agentTimeout": settings.agent_timeout_seconds,
        "telemetryTimeout": settings.dataset_telemetry_seconds,
        "pollSeconds": settings.dataset_poll_seconds,
        "parallel": settings.dataset_parallel_scenarios,  # a resumed run keeps the Start's setting
        "startedMs": cwlogs.now_ms(),  # telemetry since then is the run's, also for a resumed run
    }
    details = {
        "dataset": {"datasetId": config["dataset"]["datasetId"], "datasetVersion": version},
        "agentInvocation": {
            "agentCoreRuntime": {
                "agentRuntimeEndpointArn": runtime["agentRuntimeEndpointArn"],
                "agentRuntimeVersion": "1",  # a local agent has one version
                "requestTemplate": saved["template"],
            }
        },
    }
    return saved, details
