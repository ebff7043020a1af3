"""Model-based test on the real engine: random spec edits, out-of-band changes, --replace and destroy,
each applied with `pulumi up`; after every up the emulator equals the spec and a preview plans nothing.

Small by default (each step is a real `pulumi up`); EVALCTL_ENGINE_EXAMPLES raises the budget.
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
    engine_stack,
    external_foundations,
)
from tests.examples import copy_examples

EVALUATORS = {"response-tone": "response_tone_local", "support-quality": "support_quality_local"}
TEXTS = st.sampled_from(["Tone, strictly.", "Tone of replies.", "Quality of a session."])


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
        self.descriptions = {name: self._description(name) for name in EVALUATORS}
        self.enabled = True
        self.up()

    def teardown(self) -> None:
        self.handle.__exit__(None, None, None)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _file(self, name: str) -> Path:
        return self.specs / "evaluators" / f"{name}.yaml"

    def _description(self, name: str) -> str:
        return self._file(name).read_text().split("description: ", 1)[1].split("\n", 1)[0]

    def up(self, **options: Any) -> None:
        self.stack.up(**options)
        self.check()

    def check(self) -> None:
        control = self.emulator.client("bedrock-agentcore-control")
        outputs = self.stack.stack.outputs()
        for name, physical in EVALUATORS.items():
            ident = outputs["evaluators"].value[name]["id"]
            live = control.get_evaluator(evaluatorId=ident)
            assert live["description"] == self.descriptions[name], f"{name}: the spec's description"
            assert live["evaluatorName"].startswith(physical)
        custom = [e for e in control.list_evaluators()["evaluators"]
                  if not e["evaluatorId"].startswith("Builtin.")
                  and e.get("status") != "DELETING"]  # fmt: skip
        assert len(custom) == 3, (
            f"exactly one evaluator per spec, found {[e['evaluatorName'] for e in custom]}"
        )
        online = outputs["onlineEvaluations"].value["support-live"]["id"]
        status = control.get_online_evaluation_config(onlineEvaluationConfigId=online)["executionStatus"]
        assert status == ("ENABLED" if self.enabled else "DISABLED")
        self.stack.preview(expect_no_changes=True)

    @rule(name=st.sampled_from(sorted(EVALUATORS)), text=TEXTS)
    def edit_description(self, name: str, text: str) -> None:
        path = self._file(name)
        path.write_text(
            path.read_text().replace(f"description: {self.descriptions[name]}", f"description: {text}")
        )
        self.descriptions[name] = text
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
    stateful_step_count=4,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
