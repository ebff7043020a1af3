"""requestTemplate as botocore's RequestTemplate documents it, and scenarios as inline ground truth."""

from __future__ import annotations

import json

import pytest

from evalctl import request_template, scenarios


def test_the_input_replaces_the_placeholder_escaped_or_as_a_json_value() -> None:
    template = '{"prompt": "{{turn.input}}", "meta": {"channel": "eval"}}'
    quoted = request_template.render(template, 'He said "hi"\n')
    assert json.loads(quoted) == {"prompt": 'He said "hi"\n', "meta": {"channel": "eval"}}
    structured = request_template.render(template, {"order": 42, "items": ["shoe"]})
    assert json.loads(structured)["prompt"] == {"order": 42, "items": ["shoe"]}, "not a string: a JSON value"
    assert json.loads(request_template.render(None, "hello")) == {"prompt": "hello"}, "the default template"


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ('{"a": "{{turn.input}}", "b": ["{{turn.input}}"]}', "exactly once"),
        ('{"prompt": "hello"}', "exactly once"),
        ('{"{{turn.input}}": "x"}', "field name"),
        ('{"prompt": "Q: {{turn.input}}"}', "longer string"),
        ('["{{turn.input}}"]', "JSON object"),
        ('{"prompt": {{turn.input}}}', "not JSON"),
        ('{"p": "{{turn.input}}", "pad": "' + "x" * 10240 + '"}', "at most 10240"),
    ],
)
def test_templates_the_service_refuses(template: str, fragment: str) -> None:
    assert fragment in str(request_template.problem(template))


def test_a_scenario_becomes_inline_ground_truth() -> None:
    scenario = {
        "scenario_id": "refund",
        "turns": [{"input": "Refund?", "expected_response": "Yes."}, {"input": {"order": 7}}],
        "assertions": ["Polite."],
        "expected_trajectory": ["lookup", "refund"],
    }
    assert scenarios.ground_truth(scenario) == {
        "assertions": [{"text": "Polite."}],
        "expectedTrajectory": {"toolNames": ["lookup", "refund"]},
        "turns": [
            {"input": {"prompt": "Refund?"}, "expectedResponse": {"text": "Yes."}},
            {"input": {"prompt": '{"order": 7}'}},
        ],
    }
    assert scenarios.ground_truth({"scenario_id": "x", "turns": [{"input": "Hi"}]}) == {}
