"""Model-based test: random example and version operations keep the emulator equal to a plain model."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from evalctl.emulator.testing import running_emulator
from tests.emulator.test_datasets import scenario

IDS = st.sampled_from([f"s{i}" for i in range(8)])
ANSWERS = st.sampled_from(["Paris", "Rome", "Oslo"])


class DatasetMachine(RuleBasedStateMachine):
    """The model: DRAFT as {scenario_id: answer} and the published versions as snapshots of it."""

    def __init__(self) -> None:
        super().__init__()
        self.draft: dict[str, str] = {}
        self.versions: list[dict[str, str]] = []
        self.example_ids: dict[str, str] = {}
        self.modified = True  # no published version yet: DRAFT differs from "the latest"

    @initialize()
    def create(self) -> None:
        EMU["handle"].admin.reset()
        self.control = EMU["handle"].client("bedrock-agentcore-control")
        self.dataset_id = self.control.create_dataset(datasetName="model_cases")["datasetId"]
        EMU["handle"].admin.advance_clock(1)

    def _settle(self) -> None:
        EMU["handle"].admin.advance_clock(1)

    @rule(sid=IDS, answer=ANSWERS)
    def add(self, sid: str, answer: str) -> None:
        source = {"inlineExamples": {"examples": [scenario(sid, answer)]}}
        try:
            added = self.control.add_dataset_examples(datasetId=self.dataset_id, source=source)
        except ClientError as exc:
            assert sid in self.draft, exc  # only a duplicate scenario id may be refused
            return
        assert sid not in self.draft
        self.draft[sid] = answer
        self.example_ids[sid] = added["exampleIds"][0]
        self.modified = True
        self._settle()

    @precondition(lambda self: bool(self.draft))
    @rule(data=st.data(), answer=ANSWERS)
    def update(self, data: Any, answer: str) -> None:
        sid = data.draw(st.sampled_from(sorted(self.draft)))
        example = {**scenario(sid, answer), "exampleId": self.example_ids[sid]}
        self.control.update_dataset_examples(datasetId=self.dataset_id, examples=[example])
        self.draft[sid] = answer
        self.modified = True
        self._settle()

    @precondition(lambda self: bool(self.draft))
    @rule(data=st.data())
    def delete(self, data: Any) -> None:
        sid = data.draw(st.sampled_from(sorted(self.draft)))
        self.control.delete_dataset_examples(
            datasetId=self.dataset_id, exampleIds=[self.example_ids.pop(sid)]
        )
        del self.draft[sid]
        self.modified = True
        self._settle()

    @rule()
    def publish(self) -> None:
        try:
            answer = self.control.create_dataset_version(datasetId=self.dataset_id)
        except ClientError:
            assert not self.draft  # an empty DRAFT has nothing to publish
            return
        self.versions.append(dict(self.draft))
        assert answer["datasetVersion"] == str(len(self.versions))
        self.modified = False
        self._settle()

    def _live(self, version: str) -> dict[str, str]:
        found = self.control.list_dataset_examples(datasetId=self.dataset_id, datasetVersion=version)
        return {e["scenario_id"]: e["turns"][0]["expected_response"] for e in found["examples"]}

    @invariant()
    def draft_matches(self) -> None:
        if hasattr(self, "dataset_id"):
            assert self._live("DRAFT") == self.draft
            got = self.control.get_dataset(datasetId=self.dataset_id)
            assert got["exampleCount"] == len(self.draft)
            assert got["draftStatus"] == ("MODIFIED" if self.modified else "UNMODIFIED")

    @invariant()
    def versions_are_frozen(self) -> None:
        for number, snapshot in enumerate(self.versions, start=1):
            assert self._live(str(number)) == snapshot


EMU: dict[str, Any] = {}


def test_dataset_examples_follow_the_model() -> None:
    with running_emulator() as handle:
        EMU["handle"] = handle
        DatasetMachine.TestCase.settings = settings(
            max_examples=8, stateful_step_count=10, deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        )  # fmt: skip
        DatasetMachine.TestCase().runTest()
