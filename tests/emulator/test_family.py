"""The evaluation family, derived from the installed botocore models: README table and emulator agree."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from botocore.model import Shape

from evalctl.emulator.model import OPERATIONS
from evalctl.service_models import CONTROL, DATA, service_model

README = Path(__file__).resolve().parents[2] / "README.md"
# The rule the README states: an operation of either AgentCore service whose name names a resource of
# the family (evaluators, online evaluation configs, batch evaluations and Evaluate, datasets with their
# versions, examples and generations, recommendations, agent insights and the insight store).
NAMES = re.compile(r"Evaluat|Dataset|Recommendation|AgentInsight")
HEADING = re.compile(r"^### The evaluation family: (\d+) of (\d+) operations emulated$", re.MULTILINE)
ROW = re.compile(r"^\| `(\w+)` \| `([\w-]+)` \| (.+) \|$", re.MULTILINE)


def family() -> dict[str, set[str]]:
    """Per service, the family's operations in the installed botocore models."""
    return {s: {o for o in service_model(s).operation_names if NAMES.search(o)} for s in (CONTROL, DATA)}


def _readme_table() -> tuple[re.Match[str], dict[str, str]]:
    text = README.read_text()
    heading = HEADING.search(text)
    assert heading is not None, "README has no '### The evaluation family: N of N operations emulated'"
    section = text[heading.end() : text.index("\n#", heading.end())]
    rows = ROW.findall(section)
    assert len(rows) == len({op for op, _, _ in rows}), "an operation is listed twice"
    assert all(covered.strip() for _, _, covered in rows), "every row names what covers the operation"
    return heading, {op: service for op, service, _ in rows}


def test_the_readme_table_lists_exactly_the_family() -> None:
    heading, listed = _readme_table()
    expected = {op: service for service, ops in family().items() for op in ops}
    assert listed == expected
    assert heading.group(1) == heading.group(2) == str(len(expected))


def test_the_emulator_routes_each_operation_to_itself() -> None:
    for service, ops in family().items():
        assert ops <= set(OPERATIONS[service]), f"{service}: {sorted(ops - set(OPERATIONS[service]))}"


def _placeholder(shape: Shape) -> Any:
    """A value of the shape's type (its constraints aside: the emulator's validation may refuse it)."""
    kind = shape.type_name
    if kind == "structure":
        return {}
    if kind == "list":
        return []
    if kind in ("integer", "long"):
        return 1
    if kind == "boolean":
        return False
    if kind == "timestamp":
        return 0
    return "placeholder"


@pytest.mark.parametrize("service", [CONTROL, DATA])
def test_the_emulator_answers_each_operation_itself(emulator: Any, service: str) -> None:
    """Every family operation reaches an emulator handler: counted, and never UnknownOperation."""
    client = emulator.client(service, parameter_validation=False)
    model = service_model(service)
    for op in sorted(family()[service]):
        shape = model.operation_model(op).input_shape
        params = {} if shape is None else {m: _placeholder(shape.members[m]) for m in shape.required_members}
        try:
            getattr(client, xform_name(op))(**params)
        except ClientError as exc:
            assert exc.response["Error"]["Code"] != "UnknownOperationException", op
    counts = emulator.admin.call_counts()
    assert sorted(op for op in family()[service] if not counts.get(op)) == []
