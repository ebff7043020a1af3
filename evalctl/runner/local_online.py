"""Create a declared OnlineEvaluation in an emulator, as `pulumi up` would (evaluators deployed first)."""

from __future__ import annotations

import copy
import json
from typing import Any

from evalctl.spec.mapping import resolve_evaluator
from evalctl.spec.names import physical_name, role_name
from evalctl.spec.project import Project

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "bedrock-agentcore.amazonaws.com"},
        }
    ],
}


def _evaluator_ids(project: Project, control: Any) -> dict[str, str]:
    """Declared evaluator name -> id of the evaluator of its physical name that exists."""
    live: dict[str, str] = {}
    kwargs: dict[str, Any] = {"maxResults": 100}
    while True:
        page = control.list_evaluators(**kwargs)
        live |= {e["evaluatorName"]: e["evaluatorId"] for e in page.get("evaluators") or []}
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    found = {}
    for doc in project.of_kind("Evaluator"):
        physical = str(physical_name("Evaluator", doc.name, doc.spec, project.stack))
        if physical in live:
            found[doc.name] = live[physical]
    return found


def _role_arn(project: Project, ref: str, iam: Any) -> str:
    """A Role spec name becomes that role (created in the emulator when missing); an ARN stays."""
    if ref.startswith("arn:") or not any(d.name == ref for d in project.of_kind("Role")):
        return ref
    name = role_name(ref, project.stack)
    try:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])
    except iam.exceptions.NoSuchEntityException:
        return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"])


def deploy_online(
    project: Project, name: str, clients: dict[str, Any], sampling: float | None = None
) -> dict[str, Any]:
    """CreateOnlineEvaluationConfig for spec `name`; `sampling` overrides its samplingPercentage."""
    doc = project.valid("OnlineEvaluation", name)
    if doc is None:
        raise LookupError(f"no valid OnlineEvaluation named {name}")
    request = copy.deepcopy(doc.spec)
    request["onlineEvaluationConfigName"] = physical_name(doc.kind, doc.name, doc.spec, project.stack)
    ids = _evaluator_ids(project, clients["control"])
    refs = [e["evaluatorId"] if isinstance(e, dict) else str(e) for e in request.get("evaluators") or []]
    request["evaluators"] = [{"evaluatorId": resolve_evaluator(r, ids)} for r in refs]
    insights = [i if isinstance(i, dict) else {"insightId": i} for i in request.pop("insights", None) or []]
    if insights:
        request["insights"] = insights
    role = request["evaluationExecutionRoleArn"]
    request["evaluationExecutionRoleArn"] = _role_arn(project, role, clients["iam"])
    if sampling is not None:
        request["rule"]["samplingConfig"]["samplingPercentage"] = sampling
    created: dict[str, Any] = clients["control"].create_online_evaluation_config(**request)
    return created
