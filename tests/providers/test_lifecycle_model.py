"""Model-based test: random spec edits, out-of-band changes and faults, driven like the engine."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.providers.engine import Engine
from tests.providers.harness import ProviderError, ProviderServer
from tests.providers.lifecycle import (
    CONTROL,
    EVALUATORS,
    Desired,
    follow_restore_hint,
    program,
    refresh_is_clean,
    violations,
)
from tests.providers.specs import evaluator_urn

TEXTS = st.sampled_from(["tone of voice", "kinder words", "strict tone", None])
WHICH = st.sampled_from(EVALUATORS)


class LifecycleMachine(RuleBasedStateMachine):
    """The model is `Desired`; the system is the provider server, the Engine's state and the emulator."""

    server: ProviderServer
    emulator: Any
    lock_mode = "any"

    def __init__(self) -> None:
        super().__init__()
        self.emulator.admin.reset()
        self.emulator.admin.configure(resource_seconds=0.0, delete_seconds=0.02, lock_mode=self.lock_mode)
        self.engine = Engine(self.server)
        self.desired = Desired()
        self.deployed = False
        self.drifted = False
        self.applied = self.desired  # what the last `up` deployed
        self.problems: list[str] = []

    # ---- spec edits (the next `up` applies them) ---------------------------------------------------

    @rule(which=WHICH, text=TEXTS)
    def set_description(self, which: str, text: str | None) -> None:
        self.desired = self.desired.with_evaluator(which, description=text)

    @rule(which=WHICH, level=st.sampled_from(["TRACE", "SESSION", "TOOL_CALL"]))
    def set_level(self, which: str, level: str) -> None:
        self.desired = self.desired.with_evaluator(which, level=level)

    @rule(which=WHICH, words=st.sampled_from(["Rate the tone of {assistant_turn}.", "Judge {context}."]))
    def set_instructions(self, which: str, words: str) -> None:
        self.desired = self.desired.with_evaluator(which, instructions=words)

    @rule(which=WHICH, tags=st.sampled_from([(), (("team", "qa"),), (("team", "ops"), ("tier", "1"))]))
    def set_tags(self, which: str, tags: tuple[tuple[str, str], ...]) -> None:
        self.desired = self.desired.with_evaluator(which, tags=tags)

    @rule(which=WHICH, suffix=st.sampled_from(["", "_v2"]))
    def rename(self, which: str, suffix: str) -> None:
        self.desired = self.desired.with_evaluator(which, rename=suffix)

    @rule()
    def toggle_enabled(self) -> None:
        self.desired = Desired(**{**self.desired.__dict__, "enabled": not self.desired.enabled})

    @rule()
    def toggle_online(self) -> None:
        self.desired = Desired(**{**self.desired.__dict__, "online": not self.desired.online})

    @rule(sampling=st.sampled_from([10, 50]), text=st.sampled_from([None, "live checks"]))
    def edit_online(self, sampling: int, text: str | None) -> None:
        self.desired = Desired(**{**self.desired.__dict__, "sampling": sampling, "online_description": text})

    # ---- the world changing outside Pulumi ---------------------------------------------------------

    @precondition(lambda self: self.deployed)
    @rule(which=WHICH, drift=st.sampled_from(["description", "tags", "delete"]))
    def out_of_band(self, which: str, drift: str) -> None:
        state = self.engine.state.get(evaluator_urn(which))
        if state is None:
            return
        control = self.emulator.client(CONTROL)
        try:
            if drift == "description":
                control.update_evaluator(evaluatorId=state.id, description="changed in the console")
            elif drift == "tags":
                control.untag_resource(resourceArn=state.outputs["evaluatorArn"], tagKeys=["evalctl:owner"])
            else:
                control.delete_evaluator(evaluatorId=state.id)
        except ClientError:
            return  # locked or busy: the console refused too
        self.drifted = True

    # ---- pulumi operations ---------------------------------------------------------------------------

    @rule(
        fault=st.sampled_from(
            [None, "throttle", "CreateEvaluator", "UpdateEvaluator", "UpdateOnlineEvaluationConfig"]
        )
    )
    def up(self, fault: str | None) -> None:
        if self.drifted:
            self.engine.refresh()  # `pulumi up --refresh`: state learns the drift, up repairs it
            self.drifted = False
        if fault == "throttle":
            self.emulator.admin.set_faults(throttle_rate=0.25, seed=7)
        elif fault:
            self.emulator.admin.set_faults(commit_then_fail=fault)
        try:
            self.engine.up(program(self.desired))
        except ProviderError as exc:
            # Our own copy lost its owner tag outside Pulumi and this up replaces it: the refusal gives
            # the command that restores the tag; a user who knows the copy is theirs runs it.
            self.emulator.admin.set_faults()
            if not follow_restore_hint(self.emulator.client(CONTROL), str(exc)):
                raise
            self.engine.up(program(self.desired))
        finally:
            self.emulator.admin.set_faults()
        self.deployed, self.applied = True, self.desired
        self.check()

    @precondition(lambda self: self.deployed and not self.drifted)
    @rule(which=WHICH)
    def up_replace(self, which: str) -> None:
        self.engine.up(program(self.desired), replace=[evaluator_urn(which)])
        self.applied = self.desired
        self.check()

    @precondition(lambda self: self.deployed and not self.drifted)
    @rule()
    def refresh(self) -> None:
        self.problems += refresh_is_clean(self.engine, self.applied)

    @precondition(lambda self: self.deployed)
    @rule()
    def destroy(self) -> None:
        self.engine.destroy()
        self.deployed, self.drifted = False, False
        self.problems += violations(self.engine, self.emulator, Desired(evaluators=(), online=False))

    def check(self) -> None:
        self.problems += violations(self.engine, self.emulator, self.desired)

    @invariant()
    def no_violation(self) -> None:
        assert self.problems == [], self.problems

    def teardown(self) -> None:
        self.emulator.admin.set_faults()
        self.engine.destroy()


@pytest.mark.parametrize("lock_mode", ["any", "enabled"])
def test_lifecycles_converge(provider_server, emulator, lock_mode):
    LifecycleMachine.server = provider_server
    LifecycleMachine.emulator = emulator
    LifecycleMachine.lock_mode = lock_mode
    run = LifecycleMachine.TestCase
    run.settings = settings(
        max_examples=10,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],  # shrinking re-runs whole deployments: minutes
    )
    run().runTest()
