"""Persist moto's IAM roles and policies, CloudWatch Logs, Lambda functions and S3 in data_dir, as JSON.

The state is data (`moto.json`), re-created through moto's own backend calls at start-up; nothing
on disk is ever unpickled, since loading a pickle runs whatever code it names. A `moto.pickle`
left by older versions is not read: start-up says so and how to migrate (see `legacy_message`).
Saved when the server stops and after seeding; a crash loses moto changes since the last save
(AgentCore state, in agentcore.json, is written after every mutation). S3 object bodies are files
next to it (s3state).
"""

from __future__ import annotations

import base64
import json
import os
import threading
from pathlib import Path
from typing import Any

from evalctl.emulator import cwlogs, s3state
from evalctl.emulator.settings import ACCOUNT_ID

STATE_FILE = "moto.json"
LEGACY_FILE = "moto.pickle"
VERSION = 1
# One save at a time (a seed's and the stop's): each prunes the S3 bodies the other's moto.json may name.
_SAVING = threading.Lock()


class LegacyStateError(RuntimeError):
    """data_dir holds the old pickle format, which is never loaded."""


def legacy_message(data_dir: Path) -> str:
    return (
        f"{data_dir / LEGACY_FILE} is the old pickle format, which evalctl no longer loads (unpickling a "
        "file runs code). AgentCore state (agentcore.json) is kept; to migrate, delete that file and "
        "re-create IAM roles, log groups and Lambda functions (e.g. `pulumi up` on the local stack, or "
        "`evalctl emulator seed`)."
    )


def _iam() -> dict[str, Any]:
    from moto.iam.models import iam_backends

    backend = iam_backends[ACCOUNT_ID]["aws"]
    own = f"::{ACCOUNT_ID}:"
    policies = [
        {"name": p.name, "path": p.path, "description": p.description, "document": _default_document(p)}
        for arn, p in backend.managed_policies.items()
        if own in arn
    ]
    roles = [
        {
            "name": r.name,
            "path": r.path,
            "description": r.description,
            "trust": r.assume_role_policy_document,
            "inline": dict(r.policies),
            "attached": sorted(r.managed_policies),
        }
        for r in backend.roles.values()
    ]
    return {"policies": policies, "roles": roles}


def _default_document(policy: Any) -> str:
    found = [v.document for v in policy.versions if v.version_id == policy.default_version_id]
    return str(found[0] if found else policy.versions[-1].document)


def _logs() -> dict[str, list[dict[str, Any]]]:
    from moto.logs.models import logs_backends

    out: dict[str, list[dict[str, Any]]] = {}
    for region, backend in logs_backends[ACCOUNT_ID].items():
        out[region] = [
            {
                "name": name,
                "retention": group.retention_in_days,
                "streams": {
                    s: [[e.timestamp, e.message] for e in stream.events]
                    for s, stream in group.streams.items()
                },
            }
            for name, group in backend.groups.items()
        ]
    return out


def _functions() -> list[tuple[str, dict[str, Any]]]:
    """(region, create_function spec) of every function, zip included."""
    from moto.awslambda.models import lambda_backends

    out = []
    for region, backend in lambda_backends[ACCOUNT_ID].items():
        for fn in backend.list_functions():
            spec = {
                "FunctionName": fn.function_name,
                "Runtime": fn.run_time,
                "Role": fn.role,
                "Handler": fn.handler,
                "Timeout": fn.timeout,
                "MemorySize": fn.memory_size,
                "Description": fn.description,
                "Environment": {"Variables": dict(fn.environment_vars)},
                # The backend takes the zip as on the wire: base64 text.
                "Code": {"ZipFile": base64.b64encode(bytes(fn.code_bytes)).decode()},
            }
            out.append((region, spec))
    return out


def save(data_dir: Path) -> None:
    """Write the moto state next to agentcore.json (atomically)."""
    with _SAVING:
        data_dir.mkdir(parents=True, exist_ok=True)
        buckets = s3state.dump(data_dir)  # bodies first: moto.json only ever names bodies on disk
        doc = {"version": VERSION, "iam": _iam(), "logs": _logs(), "functions": _functions(), "s3": buckets}
        tmp = data_dir / f".{STATE_FILE}.tmp"
        tmp.write_text(json.dumps(doc))
        os.replace(tmp, data_dir / STATE_FILE)
        s3state.prune(data_dir, buckets)


def load(data_dir: Path) -> bool:
    """Re-create a saved moto state in the in-process backends; False when there is none."""
    path = data_dir / STATE_FILE
    if not path.exists():
        if (data_dir / LEGACY_FILE).exists():
            raise LegacyStateError(legacy_message(data_dir))
        return False
    doc = json.loads(path.read_text())
    _load_iam(doc.get("iam", {}))
    for region, groups in doc.get("logs", {}).items():
        for group in groups:
            _load_group(region, group)
    from moto.awslambda.models import lambda_backends

    for region, spec in doc.get("functions", []):
        backend = lambda_backends[ACCOUNT_ID][region]
        if spec["FunctionName"] not in {fn.function_name for fn in backend.list_functions()}:
            backend.create_function(spec)
    s3state.load(data_dir, doc.get("s3", []))  # absent in files older than S3 persistence
    return True


def _load_iam(doc: dict[str, Any]) -> None:
    from moto.iam.models import iam_backends

    backend = iam_backends[ACCOUNT_ID]["aws"]
    # Entities this process already holds (a second server in one process) are kept as they are.
    policies = {p.name for p in backend.managed_policies.values()}
    roles = {r.name for r in backend.roles.values()}
    for p in doc.get("policies", []):
        if p["name"] not in policies:
            backend.create_policy(p["description"], p["path"], p["document"], p["name"], [])
    for r in doc.get("roles", []):
        if r["name"] in roles:
            continue
        backend.create_role(r["name"], r["trust"], r["path"], None, r["description"], [], None)
        for name, document in r["inline"].items():
            backend.put_role_policy(r["name"], name, document)
        for arn in r["attached"]:
            backend.attach_role_policy(arn, r["name"])


def _load_group(region: str, group: dict[str, Any]) -> None:
    from moto.logs.models import logs_backends

    backend = logs_backends[ACCOUNT_ID][region]
    if group["name"] not in backend.groups:
        backend.create_log_group(group["name"], {})
    if group.get("retention"):
        backend.put_retention_policy(group["name"], group["retention"])
    for stream, events in group["streams"].items():
        known = stream in backend.groups[group["name"]].streams
        cwlogs.ensure_stream(region, group["name"], stream)
        if events and not known:
            cwlogs.put_events(region, group["name"], stream, [(int(t), str(m)) for t, m in events])
