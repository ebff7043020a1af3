"""The committed schemas match the models, and the shipped examples validate clean."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from evalctl.cli.main import main
from evalctl.spec import load_project, schemagen

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schemas_do_not_drift_from_the_models():
    stale = schemagen.drift(ROOT / "schemas")
    assert stale == [], f"schemas/ is out of date ({stale}); run `make schemas` (evalctl schema --write)"


def test_schema_generation_is_deterministic():
    assert schemagen.all_schemas() == schemagen.all_schemas()


def test_examples_validate_clean_through_the_cli(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["validate", "evaluations"]) == 0
    assert "no problems" in capsys.readouterr().out


def test_examples_cover_every_kind_and_the_issue_shapes():
    project, problems = load_project([ROOT / "evaluations"], "dev")
    assert problems == []
    kinds = {d.kind for d in project.documents}
    assert kinds == {
        "Evaluator",
        "OnlineEvaluation",
        "BatchEvaluation",
        "GroundTruth",
        "Role",
        "LogGroup",
        "EvaluatorTest",
        "Dataset",
        "Recommendation",
    }
    configs = {next(iter(d.spec["evaluatorConfig"])) for d in project.of_kind("Evaluator")}
    assert configs == {"llmAsAJudge", "codeBased"}


def test_every_example_carries_the_schema_modeline():
    for path in (ROOT / "evaluations").rglob("*.yaml"):
        text = path.read_text()
        assert text.startswith("# yaml-language-server: $schema="), path
        for chunk in text.split("\n---\n"):
            assert "# yaml-language-server: $schema=" in chunk, path


def test_dispatch_schema_accepts_examples_and_rejects_unknown_kinds():
    schema = json.loads((ROOT / "schemas" / "evalctl.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for path in (ROOT / "evaluations").rglob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            errors = list(validator.iter_errors(doc))
            assert errors == [], (path, [e.message for e in errors])
    bad = {"apiVersion": "evalctl/v1alpha1", "kind": "Nope", "metadata": {"name": "x"}, "spec": {}}
    assert list(validator.iter_errors(bad)), "an unknown kind must not validate"


def test_issue_example_validates(tmp_path):
    (tmp_path / "batch.yaml").write_text(
        """apiVersion: evalctl/v1alpha1
kind: BatchEvaluation
metadata: {name: nightly-support}
spec:
  evaluators: [Builtin.Helpfulness, Builtin.TrajectoryInOrderMatch, response-tone]
  dataSourceConfig:
    cloudWatchLogs:
      serviceNames: [support_agent.DEFAULT]
      logGroupNames: [/aws/bedrock-agentcore/runtimes/support_agent-abc123-DEFAULT]
      filterConfig: {lookback: 1d}
  groundTruth: support-golden
  gates:
    - {evaluator: Builtin.Helpfulness, minAverageScore: 0.8}
    - {maxFailedSessions: 0}
"""
    )
    examples = ROOT / "evaluations"
    project, problems = load_project(
        [tmp_path / "batch.yaml", examples / "evaluators", examples / "ground-truth"], "dev"
    )
    errors = [p.format() for p in problems if p.severity == "error"]
    assert errors == []
    assert project.get("BatchEvaluation", "nightly-support") is not None


def test_schema_check_tells_missing_from_stale_and_names_the_folder(tmp_path, capsys):
    assert main(["schema", "--write", "--dir", str(tmp_path)]) == 0
    capsys.readouterr()
    (tmp_path / "evaluator.schema.json").write_text("{}\n")
    (tmp_path / "role.schema.json").unlink()
    assert main(["schema", "--check", "--dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{tmp_path / 'evaluator.schema.json'}: out of date with the models; "
        f"run `evalctl schema --write --dir {tmp_path}`",
        f"{tmp_path / 'role.schema.json'}: missing; run `evalctl schema --write --dir {tmp_path}`",
    ]


def test_schema_print_of_a_mistyped_kind_gets_did_you_mean(capsys):
    assert main(["schema", "--print", "Evaluater"]) == 2
    assert "did you mean 'Evaluator'?" in capsys.readouterr().err
