"""Stand up what a run needs in an emulator: custom evaluators (with their Lambda code) and sessions."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from evalctl import dataset_s3
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


def deploy_dataset(
    project: Project,
    name: str,
    control: Any,
    timeout: float = 30.0,
    object_body: tuple[Any, str | None] = (None, None),
) -> str:
    """Create a Dataset spec's dataset with its scenarios and publish version 1; its id. An S3-backed
    one reads `object_body` (an S3 client of the emulator and the text), put at its s3Uri first."""
    doc = project.valid("Dataset", name)
    if doc is None:
        raise ValueError(f"no valid Dataset named '{name}'")
    params: dict[str, Any] = {
        "datasetName": physical_name("Dataset", doc.name, doc.spec, project.stack),
        "schemaType": doc.spec.get("schemaType") or "AGENTCORE_EVALUATION_PREDEFINED_V1",
    }
    s3, body = object_body
    if doc.spec.get("s3Source") and s3 is not None and body is not None:
        uri = str(doc.spec["s3Source"]["s3Uri"])
        _put_object(s3, uri, body)
        params["source"] = {"s3Source": {"s3Uri": uri}}
    else:
        found, _ = gather(doc.spec, doc.file, doc.at)  # validated already: the run lints first
        params["source"] = {"inlineExamples": {"examples": [item.scenario for item in found]}}
    dataset_id = str(control.create_dataset(**params)["datasetId"])
    deadline = time.monotonic() + timeout
    _active(control, dataset_id, deadline)
    control.create_dataset_version(datasetId=dataset_id)
    _active(control, dataset_id, deadline)
    return dataset_id


def _put_object(s3: Any, uri: str, body: str) -> None:
    """The object at `uri` in the emulator's (empty) S3, its bucket created in the client's Region."""
    bucket, key = dataset_s3.split_uri(uri)
    region = s3.meta.region_name
    # CreateBucket outside us-east-1 needs the LocationConstraint (botocore: CreateBucketConfiguration).
    where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **where)
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"))


def seed(admin: Any, files: list[Path], service_name: str) -> list[str]:
    """Load recorded sessions for the batch's service, re-timed to now."""
    ids: list[str] = admin.seed([str(f) for f in files], service_name)
    return ids
