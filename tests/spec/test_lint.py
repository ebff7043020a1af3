"""Schema check and semantic lint: one clear, located message per mistake, never a cascade."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from evalctl.spec import load_project
from evalctl.spec.lint.messages import suggest
from evalctl.spec.lint.schema_check import check_document
from evalctl.spec.loader import load_text

ROOT = Path(__file__).resolve().parents[2]
ROLE = """\
apiVersion: evalctl/v1alpha1
kind: Role
metadata:
  name: exec
spec:
  assumedBy: [bedrock-agentcore.amazonaws.com]
  grants: [{grants}]
"""
LOG_GROUP = "apiVersion: evalctl/v1alpha1\nkind: LogGroup\nmetadata:\n  name: {name}\nspec: {spec}\n"


def schema_problems(text: str) -> list[tuple[int, int, str, str]]:
    (doc,), problems = load_text("f.yaml", text)
    assert problems == []
    return [(p.line, p.column, p.pointer, p.message) for p in check_document(doc)]


@pytest.mark.parametrize(
    ("text", "expected", "reason"),
    [
        (
            ROLE.format(grants="onlineEvaluationExecuton"),
            [(7, 12, "/spec/grants/0", "did you mean 'onlineEvaluationExecution'?")],
            "a string in a string|object union is judged against the string branch (the enum)",
        ),
        (
            ROLE.format(grants="{template: ciEvaluatr, resources: [exec]}"),
            [(7, 23, "/spec/grants/0/template", "did you mean 'ciEvaluator'?")],
            "a mapping in the same union is judged against the object branch",
        ),
        (
            ROLE.format(grants="42"),
            [(7, 12, "/spec/grants/0", "must be of type object or string, not integer 42")],
            "a value no branch accepts names every accepted type",
        ),
        (
            LOG_GROUP.format(name="logs", spec="{retentionInDays: 10}"),
            [(5, 25, "/spec/retentionInDays", "nearest allowed: 7 or 14")],
            "numeric enums suggest the neighbours, not a look-alike string",
        ),
        (
            LOG_GROUP.format(name="Live_Results", spec="{}"),
            [(4, 9, "/metadata/name", "e.g. 'live-results'")],
            "a bad logical name comes with a fixed one",
        ),
        (
            LOG_GROUP.format(name="logs", spec="{retentionInDays: [7]}"),
            [(5, 25, "/spec/retentionInDays", "must be of type integer, not array [7]")],
            "a type error is not restated as an enum error at the same place",
        ),
        (
            "apiVersion: evalctl/v1alpha1\nkind: Dataset\nmetadata: {name: d}\nspec:\n"
            "  s3Source: {s3Uri: s3://bucket/k.jsonl, revision: 3}\n",
            [(5, 52, "/spec/s3Source/revision", 'not integer 3; quote it in YAML ("3")')],
            "a number where a string is wanted says to quote it (YAML reads `revision: 3` as a number)",
        ),
        (
            "apiVersion: evalctl/v1alpha1\nkind: Dataset\nmetadata: {name: d}\nspec:\n"
            "  s3Source: {s3Uri: https://bucket/k.jsonl}\n",
            [
                (
                    5,
                    21,
                    "/spec/s3Source/s3Uri",
                    "expected s3://<bucket>/<key>, e.g. s3://my-bucket/cases.jsonl",
                )
            ],
            "an s3Uri that is not one is described, not shown as its regular expression",
        ),
        (
            LOG_GROUP.format(name="logs", spec="{retentionInDay: 7}").replace(
                "kind", "apiVersion: x\nkind", 0
            ),
            [(5, 8, "/spec/retentionInDay", "did you mean 'retentionInDays'?")],
            "an optional misspelled field suggests the real one",
        ),
        (
            LOG_GROUP.format(name="logs", spec="{}").replace(
                "metadata:\n  name: logs", "metdata:\n  name: logs"
            ),
            [(3, 1, "/metdata", "did you mean 'metadata'? (a required field)")],
            "a misspelled required field is one error, not 'missing' plus 'unknown'",
        ),
        (
            LOG_GROUP.format(name="logs", spec="{}").replace("evalctl/v1alpha1", "v1"),
            [(1, 13, "/apiVersion", "must be 'evalctl/v1alpha1', not \"v1\"")],
            "a wrong apiVersion is said once, and the rest of the document is still checked",
        ),
    ],
)
def test_schema_messages(text, expected, reason):
    found = schema_problems(text)
    assert [(line, col, ptr) for line, col, ptr, _ in found] == [e[:3] for e in expected], reason
    for (*_, message), (*_, words) in zip(found, expected, strict=True):
        assert words in message, (reason, message)


def test_semantic_rules_stay_quiet_where_the_schema_already_complained(tmp_path):
    """`evaluators: Builtin.Helpfulness` once gave one error per character of the string."""
    spec = tmp_path / "batch.yaml"
    spec.write_text(
        "apiVersion: evalctl/v1alpha1\nkind: BatchEvaluation\nmetadata:\n  name: nightly\nspec:\n"
        "  evaluators: Builtin.Helpfulness\n  dataSourceConfig:\n    cloudWatchLogs:\n"
        "      serviceNames: [a.DEFAULT]\n"
    )
    _, problems = load_project([spec])
    assert [(p.pointer, p.code) for p in problems] == [("/spec/evaluators", "schema-type")]


def test_broken_documents_still_get_their_other_semantic_problems(tmp_path):
    """All problems at once: a bad level does not hide the missing placeholder."""
    spec = tmp_path / "judge.yaml"
    spec.write_text(
        "apiVersion: evalctl/v1alpha1\nkind: Evaluator\nmetadata:\n  name: tone\nspec:\n  level: TRACES\n"
        "  evaluatorConfig:\n    llmAsAJudge:\n      instructions: Be nice.\n"
        "      ratingScale: {categorical: [{label: A, definition: a}]}\n"
        "      modelConfig: {bedrockEvaluatorModelConfig: {modelId: m}}\n"
    )
    _, problems = load_project([spec])
    assert sorted(p.code for p in problems) == ["placeholder-missing", "schema-enum"]


def test_the_project_index_is_built_once_and_renewed_on_request():
    """Each reference used to rebuild the whole by-kind index (lint was O(n^2)); now it is built once."""
    project, problems = load_project([ROOT / "evaluations"])
    assert problems == []
    assert project.by_kind is project.by_kind, "lookups reuse one index"
    extra = replace(project.documents[0], name="added-later")
    project.documents.append(extra)
    assert project.get(extra.kind, "added-later") is None, "the index is a snapshot until reindex()"
    project.reindex()
    assert project.get(extra.kind, "added-later") is extra
    assert extra in project.of_kind(extra.kind)


@pytest.mark.parametrize(
    ("word", "options", "expected", "reason"),
    [
        ("TRACES", ["TRACE", "SESSION"], "; did you mean 'TRACE'?", "close spelling"),
        ("session", ["TRACE", "SESSION"], "; did you mean 'SESSION'?", "wrong case"),
        ("zzz", ["TRACE", "SESSION"], "", "nothing close: no guess"),
    ],
)
def test_suggest(word, options, expected, reason):
    assert suggest(word, options) == expected, reason


RECOMMENDATION = """\
apiVersion: evalctl/v1alpha1
kind: Recommendation
metadata:
  name: {name}
spec:
  type: TOOL_DESCRIPTION_RECOMMENDATION
  tools: {{lookup: Looks an order up.}}
  agentTraces:
    cloudwatchLogs:
      logGroupArns: [arn:aws:logs:us-east-1:123456789012:log-group:agent]
      serviceNames: [agent.DEFAULT]
      lookback: 1d
"""


def test_recommendations_whose_name_stems_collide_are_refused_at_both(tmp_path: Path) -> None:
    """Recommendation names are cut to 37 characters before their digest: two specs sharing that stem
    would find each other's runs (`evalctl recommend`, `results`), so both are refused, each naming the
    other's place; names that differ earlier are fine."""
    from evalctl import recommend_request as rr

    first = "support-agent-tool-descriptions-order"  # 37 characters: with `_prod`, cut after the `_`
    second = f"{first}-v2"
    theirs = rr.physical_name(rr.base_name(second, "prod"), {"type": "TOOL_DESCRIPTION_RECOMMENDATION"})
    assert rr.is_spec_run(theirs, rr.base_name(first, "prod")), "the problem: one spec finds the other's run"
    spec = tmp_path / "recs.yaml"
    spec.write_text(RECOMMENDATION.format(name=first) + "---\n" + RECOMMENDATION.format(name=second))
    _, problems = load_project([tmp_path], "prod")
    assert [p for p in problems if p.code != "recommendation-stem"] == []
    found = [p for p in problems if p.code == "recommendation-stem"]
    assert [(p.file, p.line, p.column, p.pointer) for p in found] == [
        (str(spec), 4, 9, "/metadata/name"),
        (str(spec), 17, 9, "/metadata/name"),
    ]
    assert f"'{second}' ({spec}:17:9)" in found[0].message and f"({spec}:4:9)" in found[1].message
    assert "shorten one of the names" in found[0].message and "'support_agent_tool_descriptions_order'" in (
        found[0].message
    )
    spec.write_text(RECOMMENDATION.format(name="orders-tools") + "---\n" + RECOMMENDATION.format(name=second))
    assert not [p for p in load_project([tmp_path], "prod")[1] if p.code == "recommendation-stem"]
