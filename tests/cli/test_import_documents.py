"""`evalctl import` against a fake control plane: built-ins skipped, pages followed, references kept."""

from __future__ import annotations

import yaml
from botocore import xform_name
from botocore.paginate import Paginator

from evalctl import importer
from evalctl.cli.main import main
from evalctl.service_models import CONTROL, paginator_config, service_model

JUDGE = {
    "llmAsAJudge": {
        "instructions": "Rate the tone of {assistant_turn} given {context}.",
        "ratingScale": {
            "numerical": [
                {"value": 0.0, "label": "bad", "definition": "rude"},
                {"value": 1.0, "label": "good", "definition": "polite"},
            ]
        },
        "modelConfig": {"bedrockEvaluatorModelConfig": {"modelId": "anthropic.claude-3-haiku-20240307-v1:0"}},
    }
}
TONE = {
    "evaluatorId": "ResponseTone-abcdefghij",
    "evaluatorName": "ResponseTone",
    "evaluatorType": "Custom",
    "evaluatorArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:evaluator/ResponseTone-abcdefghij",
    "level": "TRACE",
    "status": "ACTIVE",
    "evaluatorConfig": JUDGE,
    "description": "tone",
    "lockedForModification": True,
    "createdAt": "2025-01-01T00:00:00Z",
}
ONLINE = {
    "onlineEvaluationConfigId": "support_online-0123456789",
    "onlineEvaluationConfigName": "support_online",
    "onlineEvaluationConfigArn": "arn:aws:bedrock-agentcore:us-east-1:1:online-evaluation-config/s",
    "evaluators": [{"evaluatorId": "ResponseTone-abcdefghij"}, {"evaluatorId": "Builtin.Helpfulness"}],
    "rule": {"samplingConfig": {"samplingPercentage": 10.0}},
    "dataSourceConfig": {"cloudWatchLogs": {"logGroupNames": ["/aws/x"], "serviceNames": ["agent.DEFAULT"]}},
    "evaluationExecutionRoleArn": "arn:aws:iam::123456789012:role/exec",
    "status": "ACTIVE",
    "executionStatus": "ENABLED",
}


class FakeControl:
    """Two pages of evaluators (one built-in) and one online config."""

    def __init__(self):
        self.calls = []

    def get_paginator(self, name):
        """botocore's own paginator, paging through this fake's answers."""
        model = service_model(CONTROL)
        operation = next(op for op in model.operation_names if xform_name(op) == name)
        return Paginator(
            getattr(self, name), paginator_config(CONTROL, operation), model.operation_model(operation)
        )

    def list_evaluators(self, **kw):
        self.calls.append(("list_evaluators", kw))
        if "nextToken" not in kw:
            return {
                "evaluators": [{"evaluatorId": "Builtin.Helpfulness", "evaluatorType": "Builtin"}],
                "nextToken": "p2",
            }
        return {"evaluators": [{"evaluatorId": TONE["evaluatorId"], "evaluatorType": "Custom"}]}

    def get_evaluator(self, evaluatorId):
        self.calls.append(("get_evaluator", evaluatorId))
        assert evaluatorId == TONE["evaluatorId"], "built-ins must not be fetched"
        return dict(TONE)

    def list_online_evaluation_configs(self, **kw):
        return {"onlineEvaluationConfigs": [{"onlineEvaluationConfigId": ONLINE["onlineEvaluationConfigId"]}]}

    def list_datasets(self, **kw):
        return {"datasets": []}  # datasets are covered against the emulator (test_import_emulator.py)

    def get_online_evaluation_config(self, onlineEvaluationConfigId):
        return dict(ONLINE)


def test_builtins_are_skipped_and_pages_followed():
    client = FakeControl()
    inventory = importer.list_live(client)
    assert [e["evaluatorId"] for e in inventory.evaluators] == [TONE["evaluatorId"]]
    assert ("list_evaluators", {"nextToken": "p2"}) in client.calls
    assert len(inventory.online_configs) == 1


def test_documents_keep_declared_fields_only_and_reference_imported_evaluators():
    docs = importer.documents(importer.list_live(FakeControl()))
    evaluator, online = docs
    assert (evaluator.kind, evaluator.name, evaluator.import_id) == (
        "Evaluator",
        "response-tone",
        TONE["evaluatorId"],
    )
    assert set(evaluator.body) == {"evaluatorName", "level", "evaluatorConfig", "description"}
    assert online.body["evaluators"] == ["response-tone", "Builtin.Helpfulness"], "spec refs are strings"
    assert online.body["enableOnCreate"] is True
    assert "status" not in online.body and "executionStatus" not in online.body


def test_logical_names_are_unique_per_kind():
    taken: set[str] = set()
    assert [importer._unique("a", taken) for _ in range(3)] == ["a", "a-2", "a-3"]


def test_cli_writes_one_file_per_resource_with_modeline(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("evalctl.cli.importer._client", lambda args: FakeControl())
    out = tmp_path / "evaluations" / "imported"
    code = main(["import", "--out", str(out), "--schemas", str(tmp_path / "schemas")])
    assert code == 0
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yaml"))
    assert files == ["evaluators/response-tone.yaml", "online-evaluations/support-online.yaml"]
    text = (out / "evaluators" / "response-tone.yaml").read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../../../schemas/evaluator.schema.json"
    doc = yaml.safe_load(text)
    assert doc["metadata"] == {"name": "response-tone", "importId": TONE["evaluatorId"]}
    assert doc["apiVersion"] == "evalctl/v1alpha1"
    assert "imported 2 resource(s)" in capsys.readouterr().out


def test_a_derived_evaluator_refers_to_an_imported_base_by_name():
    derived = {
        "evaluatorId": "StrictTone-0123456789",
        "evaluatorName": "StrictTone",
        "level": "TRACE",
        "evaluatorConfig": {
            "derived": {
                "baseEvaluatorId": TONE["evaluatorId"],
                "modelConfig": JUDGE["llmAsAJudge"]["modelConfig"],
            }
        },
    }
    builtin_based = {**derived, "evaluatorId": "Other-0123456789", "evaluatorName": "Other"}
    builtin_based["evaluatorConfig"] = {"derived": {**derived["evaluatorConfig"]["derived"]}}
    builtin_based["evaluatorConfig"]["derived"]["baseEvaluatorId"] = "Builtin.Helpfulness"
    inventory = importer.Inventory(evaluators=[dict(TONE), derived, builtin_based])
    bases = {
        d.name: d.body["evaluatorConfig"].get("derived", {}).get("baseEvaluatorId")
        for d in importer.documents(inventory)
    }
    assert bases["strict-tone"] == "response-tone", "an imported base becomes its logical name"
    assert bases["other"] == "Builtin.Helpfulness", "built-ins stay ids"
