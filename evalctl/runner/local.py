"""Stand up what a run needs in an emulator: custom evaluators (with their Lambda code) and sessions."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from evalctl.datasets import gather
from evalctl.packaging import package_source
from evalctl.spec.mapping import evaluator_request
from evalctl.spec.names import function_name, physical_name
from evalctl.spec.project import Document, Project

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
    ],
}


def _function_arn(doc: Document, stack: str, iam: Any, lambdas: Any) -> str:
    """Deploy a `function.source` evaluator's code as a Lambda function in the emulator."""
    function = doc.spec["evaluatorConfig"]["codeBased"]["function"]
    name = function_name(doc.name, stack)
    role = iam.create_role(RoleName=f"{name}-exec"[:64], AssumeRolePolicyDocument=json.dumps(TRUST))["Role"][
        "Arn"
    ]
    created = lambdas.create_function(
        FunctionName=name,
        Runtime=function.get("runtime", "python3.12"),
        Role=role,
        Handler=function.get("handler", "handler.handler"),
        Code={"ZipFile": package_source(doc.directory / function["source"], function.get("include", ()))},
        Timeout=int(function.get("timeoutSeconds", 60)),
        MemorySize=int(function.get("memoryMb", 256)),
    )
    return str(created["FunctionArn"])


def deploy_evaluators(
    project: Project, refs: list[str], clients: dict[str, Any], timeout: float = 30.0
) -> None:
    """Create every custom evaluator named in `refs` (and derived bases), then wait until ACTIVE."""
    control = clients["control"]
    ids = []
    for ref in dict.fromkeys(refs):
        doc = project.valid("Evaluator", ref)
        if doc is None:
            continue
        code = doc.spec["evaluatorConfig"].get("codeBased") or {}
        arn = (
            _function_arn(doc, project.stack, clients["iam"], clients["lambda"])
            if "function" in code
            else None
        )
        ids.append(control.create_evaluator(**evaluator_request(doc, project.stack, arn))["evaluatorId"])
    deadline = time.monotonic() + timeout
    for evaluator_id in ids:
        while control.get_evaluator(evaluatorId=evaluator_id)["status"] != "ACTIVE":
            if time.monotonic() > deadline:
                raise TimeoutError(f"evaluator {evaluator_id} did not become ACTIVE in the emulator")
            time.sleep(0.05)


def _active(control: Any, dataset_id: str, deadline: float) -> None:
    while control.get_dataset(datasetId=dataset_id)["status"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"dataset {dataset_id} did not become ACTIVE in the emulator")
        time.sleep(0.05)


def deploy_dataset(project: Project, name: str, control: Any, timeout: float = 30.0) -> str:
    """Create a Dataset spec's dataset with its scenarios and publish version 1; its id."""
    doc = project.valid("Dataset", name)
    if doc is None:
        raise ValueError(f"no valid Dataset named '{name}'")
    found, _ = gather(doc.spec, doc.file, doc.at)  # validated already: the run lints first
    params: dict[str, Any] = {
        "datasetName": physical_name("Dataset", doc.name, doc.spec, project.stack),
        "schemaType": doc.spec.get("schemaType") or "AGENTCORE_EVALUATION_PREDEFINED_V1",
        "source": {"inlineExamples": {"examples": [item.scenario for item in found]}},
    }
    dataset_id = str(control.create_dataset(**params)["datasetId"])
    deadline = time.monotonic() + timeout
    _active(control, dataset_id, deadline)
    control.create_dataset_version(datasetId=dataset_id)
    _active(control, dataset_id, deadline)
    return dataset_id


def seed(admin: Any, files: list[Path], service_name: str) -> list[str]:
    """Load recorded sessions for the batch's service, re-timed to now."""
    ids: list[str] = admin.seed([str(f) for f in files], service_name)
    return ids
