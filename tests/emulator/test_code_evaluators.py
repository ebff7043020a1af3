"""Code-based evaluators through Evaluate: the handler zip comes from the emulated Lambda.

Spans: the LangGraph capture in tests/data/spans (aws/bedrock-agentcore-starter-toolkit, Apache-2.0).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

LANGGRAPH = ("raw_otel_langchain_spans.json", "raw_otel_langchain_runtime_logs.json")
TRACE = "691bbd2521293a552b6cbb5c30547369"
HANDLERS = {
    "echo": "def h(event, context):\n"
    "    return {'label': event['evaluationTarget']['traceIds'][0], 'value': 0.25,\n"
    "            'explanation': event['evaluationLevel']}\n",
    "error": "def h(event, context):\n"
    "    return {'errorCode': 'NoAnswer', 'errorMessage': 'the turn has no answer'}\n",
    "raise": "def h(event, context):\n    raise RuntimeError('handler blew up')\n",
    "slow": "import time\ndef h(event, context):\n    time.sleep(30)\n",
}


def _function(emulator: Any, name: str) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("grader.py", HANDLERS[name])
    role = emulator.client("iam").create_role(RoleName=f"r-{name}", AssumeRolePolicyDocument="{}")["Role"][
        "Arn"
    ]
    created = emulator.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="grader.h",
        Code={"ZipFile": buffer.getvalue()},
    )
    return str(created["FunctionArn"])


def _evaluate(emulator: Any, control: Any, data: Any, span_fixtures: Any, arn: str) -> dict[str, Any]:
    config = {"codeBased": {"lambdaConfig": {"lambdaArn": arn, "lambdaTimeoutInSeconds": 1}}}
    evaluator = control.create_evaluator(evaluatorName="coded", level="TRACE", evaluatorConfig=config)
    spans = [row["raw_otel_json"] for f in LANGGRAPH for row in json.loads((span_fixtures / f).read_text())]
    answer = data.evaluate(
        evaluatorId=evaluator["evaluatorId"],
        evaluationInput={"sessionSpans": spans},
        evaluationTarget={"traceIds": [TRACE]},
    )
    (result,) = answer["evaluationResults"]
    return dict(result)


def test_handler_gets_the_documented_event(
    emulator: Any, control: Any, data: Any, span_fixtures: Any
) -> None:
    result = _evaluate(emulator, control, data, span_fixtures, _function(emulator, "echo"))
    assert (result["label"], result["value"], result["explanation"]) == (TRACE, 0.25, "TRACE")


@pytest.mark.parametrize(
    ("reason", "handler", "code", "fragment"),
    [
        ("the handler's error return", "error", "NoAnswer", "the turn has no answer"),
        ("an exception in the handler", "raise", None, "handler blew up"),
        ("the Lambda timeout (1 s here)", "slow", None, "1"),
        ("no such function in the emulated Lambda", None, "CodeUnavailable", "no local code"),
    ],
    ids=["error-return", "exception", "timeout", "no-function"],
)
def test_failures_are_failed_evaluations(
    emulator: Any,
    control: Any,
    data: Any,
    span_fixtures: Any,
    reason: str,
    handler: str | None,
    code: str | None,
    fragment: str,
) -> None:
    arn = (
        _function(emulator, handler) if handler else "arn:aws:lambda:us-east-1:123456789012:function:missing"
    )
    result = _evaluate(emulator, control, data, span_fixtures, arn)
    assert "value" not in result and result["errorCode"], reason
    if code:
        assert result["errorCode"] == code, reason
    assert fragment in result["errorMessage"], reason
