"""Scenario checks: our strict member lists agree with the AgentCore SDK's own dataset types."""

from __future__ import annotations

import warnings

import pytest

from evalctl import scenarios

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from bedrock_agentcore.evaluation.runner import dataset_types


@pytest.mark.parametrize(
    ("schema_type", "model"),
    [
        (scenarios.PREDEFINED, dataset_types.PredefinedScenario),
        (scenarios.SIMULATED, dataset_types.SimulatedScenario),
    ],
)
def test_members_are_the_sdk_fields(schema_type: str, model: type) -> None:
    assert scenarios.MEMBERS[schema_type] == frozenset(model.model_fields)


def test_turn_and_actor_members_are_the_sdk_fields() -> None:
    assert frozenset(dataset_types.Turn.model_fields) == scenarios.TURN_MEMBERS
    assert frozenset(dataset_types.ActorProfile.model_fields) == scenarios.ACTOR_MEMBERS


def test_problems_name_the_field() -> None:
    assert scenarios.problems(scenarios.PREDEFINED, {"scenario_id": "a", "turns": [{"input": "x"}]}) == []
    wrong = scenarios.problems(scenarios.PREDEFINED, {"scenario_id": "a", "turns": [{"input": 3}]})
    assert wrong and all(p.startswith("/turns/0/input") for p, _ in wrong)
    assert (
        scenarios.problems(scenarios.SIMULATED, {"scenario_id": "a", "input": "x"})[0][0] == "/actor_profile"
    )
    assert scenarios.problems(scenarios.PREDEFINED, {"scenario_id": " ", "turns": [{"input": "x"}]}) == [
        ("/scenario_id", "must not be empty")
    ]
    assert scenarios.problems(scenarios.PREDEFINED, ["not", "an", "object"]) == [
        ("", "a scenario must be a JSON object")
    ]
