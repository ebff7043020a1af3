"""`evalctl import` against the emulator: specs that validate and that a following `up` leaves unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml
from pulumi.runtime import rpc

from evalctl.cli.main import main
from tests.program.mockrun import run_program
from tests.providers.harness import urn
from tests.providers.specs import JUDGE, ROLE_ARN

ROOT = Path(__file__).resolve().parents[2]
PARENTS = {
    "dynamic/evaluator:Evaluator": "evalctl:evaluator:Evaluator",
    "dynamic/online_evaluation:OnlineEvaluation": "evalctl:online_evaluation:OnlineEvaluation",
    "dynamic/dataset:Dataset": "evalctl:dataset:Dataset",
}


def seed_account(emulator):
    """What someone built by hand: a custom judge and an enabled online config using it and a built-in."""
    control = emulator.client("bedrock-agentcore-control")
    judge = control.create_evaluator(
        evaluatorName="ResponseTone", level="TRACE", description="tone", evaluatorConfig=JUDGE
    )
    control.create_online_evaluation_config(
        onlineEvaluationConfigName="support_live",
        rule={"samplingConfig": {"samplingPercentage": 10.0}},
        dataSourceConfig={
            "cloudWatchLogs": {"logGroupNames": ["/aws/agents/x"], "serviceNames": ["x.DEFAULT"]}
        },
        evaluators=[{"evaluatorId": judge["evaluatorId"]}, {"evaluatorId": "Builtin.Helpfulness"}],
        evaluationExecutionRoleArn=ROLE_ARN,
        enableOnCreate=True,
    )
    return judge["evaluatorId"]


class Engine:
    """Dynamic resources of a mock program run go to the real provider server, with state kept here."""

    def __init__(self, server):
        self.server = server
        self.state = {}
        self.plans = {}

    def _urn(self, args):
        dynamic_type = args.typ.removeprefix("pulumi-python:")
        return urn(args.name, dynamic_type, parent_type=PARENTS.get(dynamic_type))

    def up(self, args):
        inputs = {k: rpc.unwrap_rpc_secret(v) for k, v in args.inputs.items()}
        previous = self.state.get(args.name)
        if previous is not None:
            checked = self.server.check(previous.urn, previous.inputs, inputs)
            self.plans[args.name] = self.server.diff(
                previous.urn, previous.id, previous.outputs, checked.inputs
            )
        self.state[args.name] = self.server.up(self._urn(args), inputs, previous)
        outs = {k: v for k, v in self.state[args.name].outputs.items() if k != "__provider"}
        return self.state[args.name].id, outs


def validate_then_up(emulator, provider_server, out, capsys):
    """`evalctl validate` passes on the imported specs, then one `up`: its engine, config and API calls."""
    capsys.readouterr()
    assert main(["validate", str(out)]) == 0, capsys.readouterr().out
    engine = Engine(provider_server)
    config = {"evalctl:specDir": str(out), "aws:region": "us-east-1", "evalctl:accountId": "123456789012"}
    emulator.admin.clear_call_counts()
    run_program(ROOT, config, dynamic=engine.up)
    return engine, config, emulator.admin.call_counts()


def test_imported_specs_validate_and_reconcile_unchanged(emulator, provider_server, tmp_path, capsys):
    emulator.admin.configure(resource_seconds=0.05, delete_seconds=0.05)
    judge_id = seed_account(emulator)
    out = tmp_path / "evaluations"
    assert main(["import", "--out", str(out), "--endpoint", emulator.endpoint, "--region", "us-east-1"]) == 0
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yaml"))
    assert files == ["evaluators/response-tone.yaml", "online-evaluations/support-live.yaml"], (
        "built-ins skipped"
    )
    online = yaml.safe_load((out / "online-evaluations/support-live.yaml").read_text())
    assert online["spec"]["evaluators"] == ["response-tone", "Builtin.Helpfulness"], "references are names"
    assert "outputConfig" not in online["spec"], "service defaults are not pinned"
    for path in out.rglob("*.yaml"):
        document = yaml.safe_load(path.read_text())
        kind = {"Evaluator": "evaluator", "OnlineEvaluation": "online-evaluation", "Dataset": "dataset"}[
            document["kind"]
        ]
        schema = json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text())
        jsonschema.validate(document, schema)
    engine, config, calls = validate_then_up(emulator, provider_server, out, capsys)
    assert not [op for op in calls if op.startswith(("Create", "Update", "Delete"))], calls
    assert engine.state["evaluator-response-tone"].outputs["evaluatorId"] == judge_id, "adopted, not created"
    run_program(ROOT, config, dynamic=engine.up)
    assert {n: p.changes for n, p in engine.plans.items()} == {
        "evaluator-response-tone": "none",
        "online-support-live": "none",
    }


SCENARIOS = [
    {"scenario_id": f"case-{n}", "turns": [{"input": f"question {n}", "expected_response": f"answer {n}"}],
     "expected_trajectory": ["lookup_order"]}
    for n in (2, 1)
]  # fmt: skip


def test_an_imported_dataset_is_a_spec_with_jsonl_beside_it_and_is_adopted_unchanged(
    emulator, provider_server, tmp_path, capsys
):
    emulator.admin.configure(resource_seconds=0.05, delete_seconds=0.05)
    control = emulator.client("bedrock-agentcore-control")
    created = control.create_dataset(
        datasetName="SupportCases", schemaType="AGENTCORE_EVALUATION_PREDEFINED_V1", description="cases",
        source={"inlineExamples": {"examples": SCENARIOS}},
    )  # fmt: skip
    ident = created["datasetId"]
    for _ in range(200):  # poll until ACTIVE (the emulator's resource_seconds is 0.05)
        if control.get_dataset(datasetId=ident)["status"] == "ACTIVE":
            break
    control.create_dataset_version(datasetId=ident)
    out = tmp_path / "evaluations"
    assert main(["import", "--out", str(out), "--endpoint", emulator.endpoint, "--region", "us-east-1"]) == 0
    # Two files for one dataset: the count is of resources.
    assert capsys.readouterr().out.splitlines()[-1].startswith("imported 1 resource(s) into ")
    spec = yaml.safe_load((out / "datasets" / "support-cases.yaml").read_text())
    assert spec["metadata"]["importId"] == ident
    assert spec["spec"]["publish"] is True and spec["spec"]["files"] == ["support-cases.jsonl"]
    lines = (out / "datasets" / "support-cases.jsonl").read_text().splitlines()
    assert [json.loads(line)["scenario_id"] for line in lines] == ["case-1", "case-2"], "sorted for review"
    engine, _config, calls = validate_then_up(emulator, provider_server, out, capsys)
    changes = [op for op in calls if op.startswith(("Create", "Update", "Delete", "Add"))]
    assert changes == [], calls
    assert engine.state["dataset-support-cases"].id == ident, "adopted, not created"


def test_an_empty_account_writes_nothing_and_says_so(emulator, tmp_path, capsys):
    out = tmp_path / "evaluations"
    assert main(["import", "--out", str(out), "--endpoint", emulator.endpoint, "--region", "us-east-1"]) == 0
    assert capsys.readouterr().out == (
        "no custom evaluator, online evaluation or dataset in this account and region; nothing written\n"
    )
    assert not out.exists()
