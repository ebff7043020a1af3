"""Dataset scenario shapes (the AgentCore SDK's dataset types), strict checks and example counts."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import sys
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

PREDEFINED = "AGENTCORE_EVALUATION_PREDEFINED_V1"
SIMULATED = "AGENTCORE_EVALUATION_SIMULATED_V1"
THIRD_PARTY = "THIRD_PARTY_EVALUATION_V1"
SCHEMA_TYPES = (PREDEFINED, SIMULATED)
# Members of each scenario type: the fields of the SDK's PredefinedScenario / SimulatedScenario
# (bedrock_agentcore.evaluation.runner.dataset_types); tests/unit/test_scenarios.py keeps them equal.
MEMBERS: dict[str, frozenset[str]] = {
    PREDEFINED: frozenset(
        {"schema_type", "scenario_id", "assertions", "metadata", "turns", "expected_trajectory"}
    ),
    SIMULATED: frozenset(
        {
            "schema_type",
            "scenario_id",
            "assertions",
            "metadata",
            "scenario_description",
            "actor_profile",
            "input",
            "max_turns",
        }
    ),
}
TURN_MEMBERS = frozenset({"input", "expected_response"})
ACTOR_MEMBERS = frozenset({"traits", "context", "goal"})
# The service adds `exampleId` to every stored example; it is the example's identity, not content.
EXAMPLE_ID = "exampleId"
# ExampleCountByField members and the example keys they count (ListDatasetExamples' ExampleField).
COUNTED_FIELDS = {"turns": "turns", "input": "input", "actorProfile": "actor_profile"}

Problem = tuple[str, str]


def _sdk_model(schema_type: str) -> Any:
    dataset_types = _dataset_types()
    return dataset_types.PredefinedScenario if schema_type == PREDEFINED else dataset_types.SimulatedScenario


SDK_MODULE = "bedrock_agentcore.evaluation.runner.dataset_types"


@functools.cache
def _dataset_types() -> ModuleType:
    """The SDK's dataset_types module, loaded on its own: it needs only pydantic, while importing it
    through its packages pulls in boto3 and the SDK's runtime (half a second of `evalctl validate`)."""
    # The SDK's modules warn about their own pydantic style; that is not our users' concern.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if SDK_MODULE in sys.modules:
            return sys.modules[SDK_MODULE]
        package = importlib.util.find_spec("bedrock_agentcore")  # finds, does not import
        folders = list(package.submodule_search_locations or []) if package else []
        for folder in folders:
            location = f"{folder}/evaluation/runner/dataset_types.py"
            spec = importlib.util.spec_from_file_location("_evalctl_sdk_dataset_types", location)
            if spec is not None and spec.loader is not None and Path(location).is_file():
                module = importlib.util.module_from_spec(spec)
                # pydantic resolves the models' annotations through sys.modules[__module__].
                sys.modules[spec.name] = module
                spec.loader.exec_module(module)
                return module
        return importlib.import_module(SDK_MODULE)  # a layout we do not know: the ordinary import


def problems(schema_type: str, example: Any, *, unknown_fields: bool = True) -> list[Problem]:
    """Every (JSON pointer, message) wrong with one scenario of `schema_type`; [] when valid.

    `unknown_fields=False` lets fields outside the SDK's model through, as its pydantic model does.
    """
    if not isinstance(example, dict):
        return [("", "a scenario must be a JSON object")]
    if schema_type not in MEMBERS:
        return []  # THIRD_PARTY_EVALUATION_V1: the service documents no structure
    unknown = _unknown if unknown_fields else _none
    found = unknown(example, MEMBERS[schema_type] | {EXAMPLE_ID}, "")
    declared = example.get("schema_type")
    if declared not in (None, schema_type):
        found.append(("/schema_type", f"is {declared!r} but the dataset's schema type is {schema_type}"))
    if schema_type == PREDEFINED:
        turns = example.get("turns")
        for i, turn in enumerate(turns if isinstance(turns, list) else []):  # a non-list: the SDK says so
            if isinstance(turn, dict):
                found += unknown(turn, TURN_MEMBERS, f"/turns/{i}")
    elif isinstance(example.get("actor_profile"), dict):
        found += unknown(example["actor_profile"], ACTOR_MEMBERS, "/actor_profile")
    sid = example.get("scenario_id")
    if isinstance(sid, str) and not sid.strip():
        found.append(("/scenario_id", "must not be empty"))
    found += _sdk_problems(schema_type, {k: v for k, v in example.items() if k != EXAMPLE_ID})
    return found


def _unknown(doc: dict[str, Any], allowed: frozenset[str], where: str) -> list[Problem]:
    return [
        (f"{where}/{key}", f"unknown field {key!r} (expected one of {', '.join(sorted(allowed))})")
        for key in doc
        if key not in allowed
    ]


def _none(_doc: dict[str, Any], _allowed: frozenset[str], _where: str) -> list[Problem]:
    return []


def _sdk_problems(schema_type: str, example: dict[str, Any]) -> list[Problem]:
    """The SDK model's own verdict, with strict types (no str->int coercion) and JSON pointers."""
    from pydantic import ValidationError

    try:
        _sdk_model(schema_type).model_validate(example, strict=True)
    except ValidationError as exc:
        found = []
        for error in exc.errors():
            loc = [str(p) for p in error["loc"] if not str(p).startswith(("function-", "json-or-python"))]
            # Union members report once per alternative; the first alternative is the readable one.
            loc = [p for p in loc if p not in ("str", "dict[str,any]", "BaseModel")]
            found.append(("/" + "/".join(loc) if loc else "", _message(error)))
        return list(dict.fromkeys(found))
    return []


def _message(error: Any) -> str:
    text = str(error.get("msg", "is invalid"))
    return text.removeprefix("Value error, ")


def scenario_id(example: dict[str, Any]) -> str:
    return str(example.get("scenario_id", ""))


def content(example: dict[str, Any]) -> dict[str, Any]:
    """An example without the service's bookkeeping (what a spec file declares)."""
    return {k: v for k, v in example.items() if k != EXAMPLE_ID}


def count_by_field(examples: list[dict[str, Any]]) -> dict[str, int]:
    """ExampleCountByField: how many examples have turns, input, actor_profile."""
    return {api: sum(1 for e in examples if key in e) for api, key in COUNTED_FIELDS.items()}


def turn_prompt(turn_input: Any) -> str | None:
    """A turn's input as GroundTruthTurnInput.prompt: text as is, structured input as JSON."""
    if turn_input is None:
        return None
    return turn_input if isinstance(turn_input, str) else json.dumps(turn_input, sort_keys=True)


def ground_truth(example: dict[str, Any]) -> dict[str, Any]:
    """A predefined scenario as StartBatchEvaluation's InlineGroundTruth (assertions, trajectory, turns)."""
    inline: dict[str, Any] = {}
    if example.get("assertions"):
        inline["assertions"] = [{"text": str(a)} for a in example["assertions"]]
    if example.get("expected_trajectory") is not None:
        inline["expectedTrajectory"] = {"toolNames": [str(t) for t in example["expected_trajectory"]]}
    turns = []
    for turn in example.get("turns") or []:
        entry: dict[str, Any] = {}
        prompt = turn_prompt(turn.get("input"))
        if prompt is not None:
            entry["input"] = {"prompt": prompt[:4000]}
        if turn.get("expected_response") is not None:
            entry["expectedResponse"] = {"text": str(turn["expected_response"])}
        turns.append(entry)
    if any("expectedResponse" in t for t in turns):
        inline["turns"] = turns
    return inline


def sdk_parse(schema_type: str, example: dict[str, Any]) -> dict[str, Any]:
    """The scenario as the SDK's model reads it (its defaults filled in, e.g. max_turns), as JSON."""
    parsed: dict[str, Any] = _sdk_model(schema_type).model_validate(content(example)).model_dump(mode="json")
    return parsed
