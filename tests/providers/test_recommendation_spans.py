"""Session span files of a Recommendation: state holds their paths and digests, the provider reads them.

Through the real provider server against the emulator; the files are the real LangChain capture
(tests/data/spans) copied into a project folder of the test's own, named by the `projectDir` input.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from evalctl.recommend_inputs import span_refs
from tests.providers.harness import ProviderError
from tests.providers.test_recommendation_provider import FILES, SOURCE, URN, live, props


@pytest.fixture
def quick(fast_emulator: Any) -> Any:
    fast_emulator.admin.configure(recommendation_pending_seconds=0.05, recommendation_run_seconds=0.1)
    return fast_emulator


@pytest.fixture
def project(tmp_path: Path, span_fixtures: Path) -> Path:
    """A project folder with the capture under sessions/ (the spec would name it from its own folder)."""
    folder = tmp_path / "project"
    (folder / "sessions").mkdir(parents=True)
    for name in FILES:
        shutil.copy(span_fixtures / name, folder / "sessions" / name)
    return folder


def by_file(project: Path, report_dir: Path, files: list[str] | None = None) -> dict[str, Any]:
    """The provider input the stack makes today: {path, sha256} per file, and the project folder."""
    refs = span_refs(files or [f"sessions/{f}" for f in FILES], project, project)
    return {**props(report_dir, {"sessionSpansFiles": refs}), "projectDir": str(project)}


def inline(span_fixtures: Path, report_dir: Path) -> dict[str, Any]:
    """The provider input earlier releases made: the files' documents inline."""
    spans = [row["raw_otel_json"] for f in FILES for row in json.loads((span_fixtures / f).read_text())]
    return props(report_dir, {"sessionSpans": spans})


def size(state: Any) -> int:
    return len(json.dumps(state.outputs, default=str))


def test_state_of_an_earlier_release_moves_to_file_digests_without_a_replace_or_an_api_call(
    provider_server: Any, quick: Any, span_fixtures: Path, project: Path, tmp_path: Path
) -> None:
    from components._recommendation_job import name_of

    old = provider_server.up(URN, inline(span_fixtures, tmp_path))
    assert old.outputs["status"] == "COMPLETED"
    news = by_file(project, tmp_path)
    assert name_of(news) == old.outputs["physicalName"], "the same content keeps the AWS name"

    plan = provider_server.diff(URN, old.id, old.outputs, news)
    assert plan.changes == "some" and plan.replaces == [], "state only: the documents become digests"
    quick.admin.clear_call_counts()
    new = provider_server.up(URN, news, old)
    assert new.id == old.id and quick.admin.call_counts() == {}, "no API call"
    assert new.outputs["recommendedText"] == old.outputs["recommendedText"]
    assert "sessionSpans" not in new.outputs["spec"]["agentTraces"]
    assert size(new) * 20 < size(old), (size(old), size(new))
    assert provider_server.diff(URN, new.id, new.outputs, news).changes == "none"

    (project / "moved").mkdir()
    for name in FILES:
        (project / "sessions" / name).rename(project / "moved" / name)
    moved = by_file(project, tmp_path, [f"moved/{f}" for f in FILES])
    plan = provider_server.diff(URN, new.id, new.outputs, moved)
    assert plan.changes == "some" and plan.replaces == [], "a moved file with the same content: in place"

    changed = project / "moved" / FILES[0]
    changed.write_text(json.dumps(json.loads(changed.read_text())[:-1]))
    plan = provider_server.diff(
        URN, new.id, new.outputs, by_file(project, tmp_path, [f"moved/{f}" for f in FILES])
    )
    assert plan.replaces == ["spec"], "other sessions: another recommendation"
    provider_server.destroy(new)


def test_a_file_changed_since_planning_is_refused_before_any_api_call(
    provider_server: Any, quick: Any, project: Path, tmp_path: Path
) -> None:
    planned = by_file(project, tmp_path)
    changed = project / "sessions" / FILES[1]
    changed.write_text(json.dumps(json.loads(changed.read_text())[:-1]))
    quick.admin.clear_call_counts()
    with pytest.raises(ProviderError) as refused:
        provider_server.create(URN, planned)  # the engine creates what it planned
    message = refused.value.details
    assert message.startswith("evalctl: "), message
    assert f"{SOURCE}: Recommendation prompt: spec.agentTraces.sessionSpansFiles[1]:" in message
    assert f"sessions/{FILES[1]} changed since it was planned" in message and "Traceback" not in message
    assert quick.admin.call_counts().get("StartRecommendation", 0) == 0 and live(quick) == []

    checked = provider_server.check(URN, {}, planned)
    assert any("changed since it was planned" in reason for _, reason in checked.failures)
    changed.unlink()
    with pytest.raises(ProviderError, match=r"cannot read sessions/\S+ under "):
        provider_server.create(URN, planned)
