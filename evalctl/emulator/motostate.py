"""Persist moto's IAM and CloudWatch Logs (pickled) and Lambda functions (re-created) in data_dir.

Saved when the server stops and after seeding; a crash loses moto changes since the last save
(AgentCore state, in agentcore.json, is written after every mutation).
"""

from __future__ import annotations

import base64
import os
import pickle
from pathlib import Path
from typing import Any

from evalctl.emulator.settings import ACCOUNT_ID

STATE_FILE = "moto.pickle"


def _backends() -> dict[str, Any]:
    from moto.iam.models import iam_backends
    from moto.logs.models import logs_backends

    return {"iam": iam_backends, "logs": logs_backends}


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
    doc = {name: dict(backend[ACCOUNT_ID].items()) for name, backend in _backends().items()}
    payload = pickle.dumps({"backends": doc, "functions": _functions()})
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = data_dir / f".{STATE_FILE}.tmp"
    tmp.write_bytes(payload)
    os.replace(tmp, data_dir / STATE_FILE)


def load(data_dir: Path) -> bool:
    """Restore a saved moto state into the in-process backends; False when there is none."""
    path = data_dir / STATE_FILE
    if not path.exists():
        return False
    # The file is our own pickle, written by save() into the user's own data dir.
    doc = pickle.loads(path.read_bytes())
    for name, backend in _backends().items():
        for region, regional in doc["backends"].get(name, {}).items():
            backend[ACCOUNT_ID][region] = regional
    from moto.awslambda.models import lambda_backends

    for region, spec in doc["functions"]:
        backend = lambda_backends[ACCOUNT_ID][region]
        if spec["FunctionName"] not in {fn.function_name for fn in backend.list_functions()}:
            backend.create_function(spec)
    return True
