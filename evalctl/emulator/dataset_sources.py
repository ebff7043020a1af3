"""Where dataset examples come from (inline or an S3 JSONL file in moto) and how they are checked."""

from __future__ import annotations

import json
import uuid
from typing import Any

from evalctl import scenarios
from evalctl.emulator.core import Core
from evalctl.emulator.errors import ValidationError
from evalctl.emulator.settings import ACCOUNT_ID

MAX_EXAMPLES = 1000  # InlineExamplesSourceExamplesList max; an S3 file is held to the same bound


def read(
    core: Core, source: dict[str, Any], schema_type: str, draft: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Validated new examples with fresh UUIDs; all-or-nothing, as AddDatasetExamples documents."""
    if "inlineExamples" in source:
        raw = list(source["inlineExamples"]["examples"])
        where = "inlineExamples.examples"
    else:
        raw = _s3_lines(source["s3Source"]["s3Uri"])
        where = source["s3Source"]["s3Uri"]
    if len(raw) > MAX_EXAMPLES:
        raise ValidationError(f"{where} holds {len(raw)} examples; at most {MAX_EXAMPLES} per call")
    check(core, schema_type=schema_type, examples=raw, where=where, draft=draft, replacing=set())
    return [{**scenarios.content(e), scenarios.EXAMPLE_ID: str(uuid.uuid4())} for e in raw]


def check(
    core: Core,
    *,
    schema_type: str,
    examples: list[Any],
    where: str,
    draft: dict[str, dict[str, Any]],
    replacing: set[str],
) -> None:
    """Refuse the whole batch on the first invalid example, naming its index and field."""
    for index, example in enumerate(examples):
        found = scenarios.problems(
            schema_type, example, unknown_fields=core.settings.dataset_refuse_unknown_fields
        )
        if found:
            pointer, message = found[0]
            raise ValidationError(
                f"Example {index} of {where} is not a valid {schema_type} scenario: "
                f"{pointer or '/'}: {message}"
            )
    if core.settings.dataset_unique_scenario_ids and schema_type in scenarios.SCHEMA_TYPES:
        _unique(examples, where, draft, replacing)


def _unique(examples: list[Any], where: str, draft: dict[str, dict[str, Any]], replacing: set[str]) -> None:
    kept = {scenarios.scenario_id(e) for i, e in draft.items() if i not in replacing}
    seen: set[str] = set()
    for index, example in enumerate(examples):
        sid = scenarios.scenario_id(example)
        if sid in seen or sid in kept:
            raise ValidationError(
                f"Example {index} of {where}: scenario_id {sid!r} is already used in the dataset's DRAFT; "
                "scenario ids must be unique (update that example instead)"
            )
        seen.add(sid)


def _s3_lines(uri: str) -> list[Any]:
    """The JSON lines of an object in moto's S3 (same process), or ValidationException."""
    from moto.s3.models import s3_backends

    bucket, _, key = uri.removeprefix("s3://").partition("/")
    try:
        found = s3_backends[ACCOUNT_ID]["aws"].get_object(bucket, key)
    except Exception:  # moto raises its own NoSuchBucket / NoSuchKey
        found = None
    if found is None:
        raise ValidationError(f"Could not read {uri}: the object does not exist or is not readable")
    body = bytes(found.value)
    lines = []
    for number, line in enumerate(body.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            lines.append(json.loads(line))
        except ValueError as exc:
            raise ValidationError(f"{uri}:{number}: not a JSON object: {exc}") from exc
    return lines
