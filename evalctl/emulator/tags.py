"""Control plane: Tag/Untag/ListTagsForResource on evaluators, online configs and batch jobs."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from evalctl.emulator.core import Core, Request
from evalctl.emulator.errors import NotFoundError
from evalctl.service_models import CONTROL, input_shape

_ARN_KEYS = {
    "evaluators": "evaluatorArn",
    "onlineConfigs": "onlineEvaluationConfigArn",
    "batches": "batchEvaluationArn",
    "datasets": "datasetArn",
}


@cache
def _arn_pattern() -> re.Pattern[str]:
    shape = input_shape(CONTROL, "TagResource")
    return re.compile(shape.members["resourceArn"].metadata["pattern"])


def owns(arn: str) -> bool:
    """Whether a tag request targets one of our resource kinds (others go to moto).

    A malformed ARN is ours too, so that validation answers it instead of moto's silent 200.
    """
    if not _arn_pattern().fullmatch(arn):
        return True
    resource = arn.split(":", 5)[-1]
    return resource.split("/", 1)[0] in ("evaluator", "online-evaluation-config", "batch-evaluate", "dataset")


def _require(core: Core, arn: str) -> None:
    for table, key in _ARN_KEYS.items():
        if any(r[key] == arn for r in core.settle(table).values()):
            return
    raise NotFoundError(f"Resource {arn} not found")


def tag_resource(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    _require(core, params["resourceArn"])
    core.store.set_tags(params["resourceArn"], params["tags"])
    return {}


def untag_resource(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    _require(core, params["resourceArn"])
    current = core.store.tags.get(params["resourceArn"], {})
    for key in params["tagKeys"]:
        current.pop(key, None)
    return {}


def list_tags(core: Core, params: dict[str, Any], req: Request) -> dict[str, Any]:
    _require(core, params["resourceArn"])
    return {"tags": dict(core.store.tags.get(params["resourceArn"], {}))}


HANDLERS = {
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags,
}
