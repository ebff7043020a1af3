"""Model-based test on the real engine: random spec edits (descriptions set, changed and removed,
instructions, the online config's evaluators and sampling), reverts to an earlier spec, out-of-band
changes, --replace and destroy, each applied with `pulumi up`; after every up the emulator equals the
spec and a preview plans nothing.

Small by default (each step is a real `pulumi up`); EVALCTL_ENGINE_EXAMPLES and EVALCTL_ENGINE_STEPS
raise the budget (`make engine-explore`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from evalctl.emulator.testing import running_emulator
from tests.engine.workspace import (
    FAST,
    SERVICE,
    SESSIONS,
    EngineStack,
    edit,
    engine_stack,
    external_foundations,
)
from tests.examples import copy_examples

EVALUATORS = {"response-tone": "response_tone_local", "support-quality": "support_quality_local"}
TEXTS = st.sampled_from(["Tone, strictly.", "Tone of replies.", "Quality of a session."])
DESCRIPTIONS = st.one_of(st.none(), TEXTS)  # None: the field removed from the spec
# The first line of each judge's instructions, and what an edit may put there instead.
OPENINGS = {"response-tone": "You review replies of a customer-support agent.",
            "support-quality": "You audit a complete customer-support session."}  # fmt: skip
NEW_OPENINGS = st.sampled_from(["You are a strict reviewer.", "You review support work."])
ONLINE = ["response-tone", "Builtin.Helpfulness", "tool-reliability"]


class EngineMachine(RuleBasedStateMachine):
    """The model: descriptions, the online switch and whether the stack is up; the system: a real stack."""

    def __init__(self) -> None:
        super().__init__()
        self.handle = running_emulator()
        self.emulator = self.handle.__enter__()
        self.emulator.admin.reset()
        self.emulator.admin.configure(**FAST)
        for pair in SESSIONS:
            self.emulator.admin.seed(pair, SERVICE)
        self.tmp = Path(tempfile.mkdtemp(prefix="engine-model-"))
        self.specs = self.tmp / "evaluations"
        copy_examples(self.specs)
        (self.specs / "batch" / "support-regression.yaml").unlink()  # needs a running agent
        self.stack: EngineStack = engine_stack(
            self.tmp, self.emulator, self.specs, external_foundations(self.emulator, self.specs)
        )
        self.descriptions: dict[str, str | None] = {name: self._description(name) for name in EVALUATORS}
        self.openings = dict(OPENINGS)
        self.online = list(ONLINE)
        self.sampling = 10
        self.enabled = True
        self.snapshots: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.up()

    def teardown(self) -> None:
        self.handle.__exit__(None, None, None)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _file(self, name: str) -> Path:
        return self.specs / "evaluators" / f"{name}.yaml"

    def _description(self, name: str) -> str:
        return self._file(name).read_text().split("description: ", 1)[1].split("\n", 1)[0]

    def _model(self) -> dict[str, Any]:
        return {"descriptions": dict(self.descriptions), "openings": dict(self.openings),
                "online": list(self.online), "sampling": self.sampling, "enabled": self.enabled}  # fmt: skip

    def up(self, **options: Any) -> None:
        self.stack.up(**options)
        self.check()
        files = {str(p.relative_to(self.specs)): p.read_text() for p in self.specs.rglob("*.yaml")}
        self.snapshots.append((files, self._model()))

    def check(self) -> None:
        control = self.emulator.client("bedrock-agentcore-control")
        outputs = self.stack.stack.outputs()
        for name, physical in EVALUATORS.items():
            ident = outputs["evaluators"].value[name]["id"]
            live = control.get_evaluator(evaluatorId=ident)
            assert live.get("description") == self.descriptions[name], f"{name}: the spec's description"
            assert live["evaluatorName"].startswith(physical)
            instructions = live["evaluatorConfig"]["llmAsAJudge"]["instructions"]
            assert instructions.startswith(self.openings[name]), f"{name}: the spec's instructions"
        custom = [e for e in control.list_evaluators()["evaluators"]
                  if not e["evaluatorId"].startswith("Builtin.")
                  and e.get("status") != "DELETING"]  # fmt: skip
        assert len(custom) == 3, (
            f"exactly one evaluator per spec, found {[e['evaluatorName'] for e in custom]}"
        )
        online = outputs["onlineEvaluations"].value["support-live"]["id"]
        config = control.get_online_evaluation_config(onlineEvaluationConfigId=online)
        assert config["executionStatus"] == ("ENABLED" if self.enabled else "DISABLED")
        assert config["rule"]["samplingConfig"]["samplingPercentage"] == self.sampling
        ids = outputs["evaluators"].value
        expected = [name if name.startswith("Builtin.") else ids[name]["id"] for name in self.online]
        assert [e["evaluatorId"] for e in config["evaluators"]] == expected, "the spec's online evaluators"
        self.stack.preview(expect_no_changes=True)

    @rule(name=st.sampled_from(sorted(EVALUATORS)), text=DESCRIPTIONS)
    def set_description(self, name: str, text: str | None) -> None:
        path, old = self._file(name), self.descriptions[name]
        body = path.read_text()
        body = body.replace(f"  description: {old}\n", "") if old is not None else body
        if text is not None:
            body = body.replace("spec:\n", f"spec:\n  description: {text}\n", 1)
        path.write_text(body)
        self.descriptions[name] = text
        self.up()

    @rule(name=st.sampled_from(sorted(EVALUATORS)), opening=NEW_OPENINGS)
    def edit_instructions(self, name: str, opening: str) -> None:
        edit(self._file(name), self.openings[name], opening)
        self.openings[name] = opening
        self.up()

    @rule()
    def toggle_tone_online(self) -> None:
        path = self.specs / "online" / "support-live.yaml"
        new = ONLINE[1:] if "response-tone" in self.online else list(ONLINE)
        edit(path, f"evaluators: [{', '.join(self.online)}]", f"evaluators: [{', '.join(new)}]")
        self.online = new
        self.up()

    @rule(percentage=st.sampled_from([10, 25, 100]))
    def set_sampling(self, percentage: int) -> None:
        path = self.specs / "online" / "support-live.yaml"
        edit(path, f"samplingPercentage: {self.sampling}}}", f"samplingPercentage: {percentage}}}")
        self.sampling = percentage
        self.up()

    @rule(data=st.data())
    def revert(self, data: st.DataObject) -> None:
        """Back to the spec of an earlier up, as `git revert` would put it."""
        files, model = data.draw(st.sampled_from(self.snapshots))
        for relative, text in files.items():
            (self.specs / relative).write_text(text)
        self.descriptions, self.openings = dict(model["descriptions"]), dict(model["openings"])
        self.online, self.sampling, self.enabled = list(model["online"]), model["sampling"], model["enabled"]
        self.up()

    @rule()
    def toggle_online(self) -> None:
        path, old = self.specs / "online" / "support-live.yaml", str(self.enabled).lower()
        self.enabled = not self.enabled
        path.write_text(
            path.read_text().replace(f"enableOnCreate: {old}", f"enableOnCreate: {str(self.enabled).lower()}")
        )
        self.up()

    @rule(name=st.sampled_from(sorted(EVALUATORS)))
    def change_out_of_band_then_up(self, name: str) -> None:
        control = self.emulator.client("bedrock-agentcore-control")
        evaluator = self.stack.stack.outputs()["evaluators"].value[name]
        try:
            control.update_evaluator(evaluatorId=evaluator["id"], description="changed by hand")
        except control.exceptions.ConflictException:  # locked by the online config: retag it instead
            control.tag_resource(resourceArn=evaluator["arn"], tags={"changed": "by hand"})
        self.stack.refresh()
        self.up()

    @rule(name=st.sampled_from(sorted(EVALUATORS)))
    def replace(self, name: str) -> None:
        self.up(replace=[self.stack.urns()[f"evaluator-{name}"]])

    @rule()
    def destroy_then_up(self) -> None:
        self.stack.destroy()
        self.up()


TestEngineModel = EngineMachine.TestCase
TestEngineModel.settings = settings(
    max_examples=int(os.environ.get("EVALCTL_ENGINE_EXAMPLES", "2")),
    stateful_step_count=int(os.environ.get("EVALCTL_ENGINE_STEPS", "4")),
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
