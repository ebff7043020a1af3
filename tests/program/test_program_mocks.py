"""Tier 1: the whole program (`__main__.py`) under Pulumi mocks: graph, properties, dependencies, exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components import batch_evaluation, dataset, evaluator, online_evaluation
from components import stack as program
from tests.program.mockrun import ACCOUNT, run_program

ROOT = Path(__file__).resolve().parents[2]
CONFIG = {"evalctl:specDir": "evaluations", "aws:region": "us-east-1",
          "evalctl:accountId": ACCOUNT}  # fmt: skip


def decl(kind, name, spec, tmp_path=ROOT / "evaluations"):
    return program.Decl(kind=kind, name=name, spec=spec, file=tmp_path / f"{name}.yaml")


FOUNDATION = [
    decl("LogGroup", "results", {"retentionInDays": 14}),
    decl("Role", "online-exec", {"assumedBy": ["bedrock-agentcore.amazonaws.com"],
                                 "grants": ["onlineEvaluationExecution"]}),
    decl("Role", "ci-deployer", {"assumedBy": ["arn:aws:iam::123456789012:role/gh-oidc"],
                                 "grants": [{"template": "ciDeployer", "resources": ["results"]}]}),
]  # fmt: skip


@pytest.fixture
def declared(monkeypatch):
    def use(decls):
        monkeypatch.setattr(program, "load_specs", lambda spec_dir, stack: (list(decls), []))

    return use


@pytest.fixture(autouse=True)
def _spec_dir_exists(monkeypatch, tmp_path):
    monkeypatch.setitem(CONFIG, "evalctl:specDir", str(tmp_path))


def test_foundation_resources_are_parented_and_named_per_stack(declared):
    declared(FOUNDATION)
    run = run_program(ROOT, CONFIG, stack="dev")
    group = run.named("log-group-results", "aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["name"] == "/evalctl/dev/results"
    assert group.inputs["retentionInDays"] == 14
    assert group.parent == run.named("log-group-results", "evalctl:log_group:LogGroup").urn
    role = run.named("role-online-exec", "aws:iam/role:Role")
    assert role.inputs["name"] == "online-exec-dev"
    assert role.parent == run.named("role-online-exec", "evalctl:role:Role").urn
    policy = run.named("role-online-exec-grants", "aws:iam/rolePolicy:RolePolicy")
    assert policy.property_dependencies["role"] == [role.urn], "the policy must wait for its role"


def test_role_trust_and_grants_are_generated_from_the_specs(declared):
    declared(FOUNDATION)
    run = run_program(ROOT, CONFIG, stack="dev")
    trust = json.loads(run.named("role-online-exec", "aws:iam/role:Role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    grants = json.loads(
        run.named("role-ci-deployer-grants", "aws:iam/rolePolicy:RolePolicy").inputs["policy"]
    )
    by_sid = {s.get("Sid"): s for s in grants["Statement"]}
    managed = by_sid["ManageStackLogGroups"]["Resource"]
    assert managed == [f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/evalctl/dev/results",
                       f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/evalctl/dev/results:*"]  # fmt: skip


def test_exports_name_every_foundation_resource(declared):
    declared(FOUNDATION)
    run = run_program(ROOT, CONFIG, stack="dev")
    assert run.outputs["logGroups"] == {
        "results": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/evalctl/dev/results"
    }
    assert set(run.outputs["roles"]) == {"online-exec", "ci-deployer"}


def test_same_specs_give_the_same_graph_twice(declared):
    declared(FOUNDATION)
    first = run_program(ROOT, CONFIG, stack="dev")
    second = run_program(ROOT, CONFIG, stack="dev")
    assert sorted(r.urn for r in first.resources) == sorted(r.urn for r in second.resources)
    assert len(first.resources) == len({r.urn for r in first.resources}), "no duplicate URNs"


def test_spec_errors_stop_the_program_with_located_messages(monkeypatch):
    errors = ["evaluations/a.yaml:3:5: error: unknown field 'levl' [/spec/levl]",
              "evaluations/b.yaml:9:1: error: dangling reference 'x' [/spec/evaluators/0]"]  # fmt: skip
    monkeypatch.setattr(program, "load_specs", lambda spec_dir, stack: ([], errors))
    import pulumi

    with pytest.raises(pulumi.RunError) as exc:
        run_program(ROOT, CONFIG, stack="dev")
    text = str(exc.value)
    assert errors[0] in text and errors[1] in text
    assert "2 error(s)" in text
    assert "Traceback" not in text


def test_missing_spec_folder_says_which_config_key_to_set(monkeypatch, tmp_path):
    monkeypatch.setitem(CONFIG, "evalctl:specDir", str(tmp_path / "nope"))
    import pulumi

    with pytest.raises(pulumi.RunError, match="evalctl:specDir"):
        run_program(ROOT, CONFIG, stack="dev")


def test_grants_on_evaluators_cover_their_blue_green_successors(declared):
    tone = decl("Evaluator", "tone", {"level": "TRACE"})
    deployer = decl("Role", "deployer", {"assumedBy": ["arn:aws:iam::123456789012:role/gh-oidc"],
                                         "grants": ["ciDeployer"]})  # fmt: skip
    declared([tone, deployer])
    outputs = {"evaluatorId": "tone_dev-abcde12345", "evaluatorArn": "arn"}
    run = run_program(ROOT, CONFIG, stack="dev", dynamic=lambda args: (args.name, outputs))
    policy = json.loads(run.named("role-deployer-grants", "aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    by_sid = {s.get("Sid"): s for s in policy["Statement"]}
    prefix = f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:evaluator/"
    managed = by_sid["ManageStackEvaluationResources"]["Resource"]
    assert managed == [f"{prefix}tone_dev-??????????", f"{prefix}tone_dev_bg-??????????"], (
        "a blue/green successor stays manageable, and nothing else is"
    )


def test_the_deployer_reads_only_the_s3_objects_its_stacks_datasets_name(declared):
    """`pulumi up` reads an S3-backed dataset's object before the service does: the deployer may
    GetObject on that object and no other; datasets in git need no S3 grant."""
    scenario = {"scenario_id": "greet", "turns": [{"input": "Hello", "expected_response": "Hi!"}]}
    deployer = decl("Role", "deployer", {"assumedBy": ["arn:aws:iam::123456789012:role/gh-oidc"],
                                         "grants": ["ciDeployer"]})  # fmt: skip
    declared([
        decl("Dataset", "in-git", {"scenarios": [scenario]}),
        decl("Dataset", "in-s3", {"s3Source": {"s3Uri": "s3://eval-data/cases/v1.jsonl", "revision": "1"}}),
        deployer,
    ])  # fmt: skip
    outputs = {"datasetId": "in_s3_dev-abcde12345", "datasetArn": "arn", "datasetVersion": "DRAFT"}
    run = run_program(ROOT, CONFIG, stack="dev", dynamic=lambda args: (args.name, outputs))
    policy = json.loads(run.named("role-deployer-grants", "aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    by_sid = {s.get("Sid"): s for s in policy["Statement"]}
    assert by_sid["ReadDatasetObjects"]["Action"] == ["s3:GetObject"]
    assert by_sid["ReadDatasetObjects"]["Resource"] == ["arn:aws:s3:::eval-data/cases/v1.jsonl"]
    assert [s for s in policy["Statement"] if any(a.startswith("s3:") for a in s["Action"])] == [
        by_sid["ReadDatasetObjects"]
    ]
    assert "bedrock-agentcore:AddDatasetExamples" in by_sid["ManageStackDatasets"]["Action"]


def test_a_dataset_batch_runs_the_datasets_id_and_newest_published_version(declared):
    """`dataset: {name, version: latest}` resolves to the Dataset's outputs, so a new version re-runs."""
    scenario = {"scenario_id": "greet", "turns": [{"input": "Hello", "expected_response": "Hi!"}]}
    endpoint = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/support_agent-abcdefghij"
    endpoint += "/runtime-endpoint/DEFAULT"

    source = {"cloudWatchLogs": {"serviceNames": ["support_agent.DEFAULT"], "logGroupNames": ["agent-logs"]}}
    declared([
        decl("Dataset", "support-cases", {"publish": True, "scenarios": [scenario]}),
        decl("BatchEvaluation", "latest", {"evaluators": ["Builtin.Correctness"], "dataSourceConfig": source,
                                           "dataset": {"name": "support-cases"}, "agent": endpoint}),
        decl("BatchEvaluation", "pinned", {"evaluators": ["Builtin.Correctness"], "dataSourceConfig": source,
                                           "dataset": {"name": "support-cases", "version": 2},
                                           "agent": endpoint}),
    ])  # fmt: skip

    def dynamic(args):
        outs = {k: v for k, v in args.inputs.items() if k != "__provider"}
        if "dataset" in args.typ:
            outs.update(datasetId="support_cases_dev-abcdefghij", datasetVersion="4")
        return f"{args.name}-id", outs

    run = run_program(ROOT, CONFIG, stack="dev", dynamic=dynamic)
    dataset = run.named("dataset-support-cases", "pulumi-python:dynamic/dataset:Dataset")
    latest = run.named("batch-latest", "pulumi-python:dynamic/batch_evaluation:BatchEvaluation")
    pinned = run.named("batch-pinned", "pulumi-python:dynamic/batch_evaluation:BatchEvaluation")
    ref = latest.inputs["spec"]["dataset"]
    assert (ref["datasetId"], ref["datasetVersion"]) == ("support_cases_dev-abcdefghij", "4")
    assert pinned.inputs["spec"]["dataset"]["datasetVersion"] == "2"
    owner = run.named("batch-latest", "evalctl:batch_evaluation:BatchEvaluation")
    assert owner.dependencies == [dataset.urn], "the job starts once the dataset is synced and published"


def test_the_insight_store_is_adopted_exported_and_awaited_by_batches_with_insights(declared):
    """One InsightStore resource; a batch with insights starts after it, one without does not wait."""
    source = {"cloudWatchLogs": {"serviceNames": ["support_agent.DEFAULT"], "logGroupNames": ["agent-logs"]}}
    declared([
        decl("InsightStore", "insights", {"enablementStatus": "ENABLED"}),
        decl("BatchEvaluation", "triage", {"insights": ["Builtin.Insight.FailureAnalysis"],
                                           "dataSourceConfig": source}),
        decl("BatchEvaluation", "scores", {"evaluators": ["Builtin.Helpfulness"],
                                           "dataSourceConfig": source}),
    ])  # fmt: skip

    def dynamic(args):
        outs = {k: v for k, v in args.inputs.items() if k != "__provider"}
        if "insight_store" in args.typ:
            arn = f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:agent-insight-store/default"
            outs.update(agentInsightStoreId="default", status="ACTIVE", agentInsightStoreArn=arn)
        return f"{args.name}-id", outs

    run = run_program(ROOT, CONFIG, stack="dev", dynamic=dynamic)
    store = run.named("insight-store-insights", "pulumi-python:dynamic/insight_store:InsightStore")
    assert store.inputs["enablementStatus"] == "ENABLED" and store.inputs["source"].endswith("insights.yaml")
    triage = run.named("batch-triage", "evalctl:batch_evaluation:BatchEvaluation")
    scores = run.named("batch-scores", "evalctl:batch_evaluation:BatchEvaluation")
    assert store.urn in triage.dependencies and store.urn not in scores.dependencies
    assert run.outputs["insightStores"]["insights"]["status"] == "ACTIVE"


def test_a_recommendation_gets_the_arns_of_the_stacks_own_evaluator_and_online_evaluation(declared, tmp_path):
    """References to declared specs become ARN outputs (and dependencies); literal ids become ARNs."""
    (tmp_path / "tools.json").write_text('{"lookup_order": "Looks up an order."}')
    online = {
        "evaluators": ["Builtin.Helpfulness"],
        "evaluationExecutionRoleArn": "arn:aws:iam::1:role/r",
        "rule": {"samplingConfig": {"samplingPercentage": 10}},
        "dataSourceConfig": {"cloudWatchLogs": {"serviceNames": ["a.DEFAULT"], "logGroupNames": ["g"]}},
    }
    judge = {"level": "TRACE", "evaluatorConfig": {"llmAsAJudge": {}}}
    batch = {
        "evaluators": ["tone"],
        "dataSourceConfig": online["dataSourceConfig"],
        "gates": [{"maxFailedSessions": 0}],
    }
    scenarios = [{"scenario_id": "s", "turns": [{"input": "Hi"}]}]
    regression = {
        **batch,
        "evaluators": ["Builtin.Correctness"],
        "dataset": {"name": "scenarios"},
        "agent": "a",
    }
    declared([
        decl("Evaluator", "tone", judge),
        decl("OnlineEvaluation", "live", online),
        decl("Recommendation", "prompt", {"type": "SYSTEM_PROMPT_RECOMMENDATION", "systemPrompt": "Be kind.",
             "evaluator": "tone", "agentTraces": {"onlineEvaluation": {"config": "live", "lookback": "1d"}}},
             tmp_path),
        decl("Recommendation", "tools", {"type": "TOOL_DESCRIPTION_RECOMMENDATION", "toolsFile": "tools.json",
             "agentTraces": {"batchEvaluation": "arn:aws:bedrock-agentcore:us-east-1:1:batch-evaluate/x"}},
             tmp_path),
        decl("BatchEvaluation", "nightly", batch),
        decl("Recommendation", "batched", {"type": "SYSTEM_PROMPT_RECOMMENDATION", "systemPrompt": "Be kind.",
             "evaluator": "Builtin.Helpfulness", "agentTraces": {"batchEvaluation": "nightly"}}, tmp_path),
        decl("Dataset", "scenarios", {"publish": True, "scenarios": scenarios}),
        decl("BatchEvaluation", "regression", regression),
        decl("Recommendation", "regressed", {"type": "SYSTEM_PROMPT_RECOMMENDATION", "systemPrompt": "Kind.",
             "evaluator": "Builtin.Helpfulness", "agentTraces": {"batchEvaluation": "regression"}}, tmp_path),
    ])  # fmt: skip

    def dynamic(args):
        outs = {k: v for k, v in args.inputs.items() if k != "__provider"}
        arn = f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}"
        if "evaluator:" in args.typ:
            outs.update(
                evaluatorId="tone_dev-abcde12345", evaluatorArn=f"{arn}:evaluator/tone_dev-abcde12345"
            )
        if "online_evaluation:" in args.typ:
            live = f"{arn}:online-evaluation-config/live_dev-abcde12345"
            outs.update(onlineEvaluationConfigId="live_dev-abcde12345", onlineEvaluationConfigArn=live)
        if "batch_evaluation:" in args.typ:
            outs.update(batchEvaluationArn=f"{arn}:batch-evaluation/nightly_dev-abcde12345")
        return f"{args.name}-id", outs

    run = run_program(ROOT, CONFIG, stack="dev", dynamic=dynamic)
    arn = f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}"
    token = "pulumi-python:dynamic/recommendation:Recommendation"
    prompt = run.named("recommendation-prompt", token)
    spec = prompt.inputs["spec"]
    assert spec["evaluator"] == f"{arn}:evaluator/tone_dev-abcde12345"
    live = f"{arn}:online-evaluation-config/live_dev-abcde12345"
    assert spec["agentTraces"]["onlineEvaluation"] == {"config": live, "lookback": "1d"}
    component = run.named("recommendation-prompt", "evalctl:recommendation:Recommendation")
    assert {run.by_urn(u).name for u in component.dependencies} == {"evaluator-tone", "online-live"}
    # Identity keys of its references: a preview with their ARNs unknown replaces it only if they change.
    tone_key = evaluator.identity_key("tone_dev", judge, False)
    assert prompt.inputs["evaluatorKey"] == tone_key
    assert prompt.inputs["onlineEvaluationKey"] == online_evaluation.identity_key("live_dev", online)
    batched = run.named("recommendation-batched", token)
    assert (
        batched.inputs["spec"]["agentTraces"]["batchEvaluation"]
        == f"{arn}:batch-evaluation/nightly_dev-abcde12345"
    )
    assert batched.inputs["batchEvaluationKey"] == batch_evaluation.identity_key(
        "nightly_dev", batch, {"tone": tone_key}
    )
    assert (
        batch_evaluation.identity_key("nightly_dev", {**batch, "gates": []}, {"tone": tone_key})
        == (batched.inputs["batchEvaluationKey"])
    ), "gates update the job in place: same job, same key"
    assert "evaluatorKey" not in batched.inputs, "a built-in evaluator's ARN is always known"
    latest = {**batch, "dataset": {"name": "scenarios"}}
    assert batch_evaluation.identity_key("nightly_dev", latest, {}) is None, "unknown without the dataset's"
    # On a dataset's `latest` version: keyed by what makes the dataset publish a new version.
    data = run.named("dataset-scenarios", "pulumi-python:dynamic/dataset:Dataset").inputs
    assert run.named("recommendation-regressed", token).inputs["batchEvaluationKey"] == (
        batch_evaluation.identity_key("regression_dev", regression, {}, dataset.version_key(data))
    )
    # The batch itself carries the same version key, so its preview knows whether the version stays.
    runs = run.named("batch-regression", "pulumi-python:dynamic/batch_evaluation:BatchEvaluation").inputs
    assert runs["datasetKey"] == dataset.version_key(data)
    tools = run.named("recommendation-tools", token).inputs["spec"]
    assert tools["current"] == {"lookup_order": "Looks up an order."} and "evaluator" not in tools
    assert tools["file"] == str((tmp_path / "tools.json").resolve()), "outside the program: an absolute path"
