"""Model-based: any sequence of IAM and Logs changes survives save, a wiped process and load, as JSON."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from moto.iam.models import iam_backends
from moto.logs.models import logs_backends
from moto.moto_api._internal.models import moto_api_backend

from evalctl.emulator import cwlogs, motostate
from evalctl.emulator.settings import ACCOUNT_ID

NAMES = st.sampled_from(["a", "b", "c"])
DOC = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}
)


def _iam():
    return iam_backends[ACCOUNT_ID]["aws"]


def _observed() -> dict:
    roles = {
        r.name: (sorted(r.policies), sorted(p.split("/")[-1] for p in r.managed_policies))
        for r in _iam().roles.values()
    }
    policies = sorted(p.name for arn, p in _iam().managed_policies.items() if f"::{ACCOUNT_ID}:" in arn)
    groups = logs_backends[ACCOUNT_ID]["us-east-1"].groups
    events = {
        (g, s): [e.message for e in stream.events]
        for g, group in groups.items()
        for s, stream in group.streams.items()
    }
    return {"roles": roles, "policies": policies, "events": events}


class Persistence(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        moto_api_backend.reset()
        self.folder = Path(tempfile.mkdtemp(prefix="evalctl-state-"))
        self.model: dict = {"roles": {}, "policies": [], "events": {}}

    @rule(name=NAMES)
    def create_role(self, name: str) -> None:
        if name not in self.model["roles"]:
            _iam().create_role(f"role-{name}", "{}", "/", None, "", [], None)
            self.model["roles"][name] = ([], [])

    @rule(name=NAMES)
    def create_policy(self, name: str) -> None:
        if f"p-{name}" not in self.model["policies"]:
            _iam().create_policy("", "/", DOC, f"p-{name}", [])
            self.model["policies"] = sorted([*self.model["policies"], f"p-{name}"])

    @rule(role=NAMES, policy=NAMES)
    def attach(self, role: str, policy: str) -> None:
        if role in self.model["roles"] and f"p-{policy}" in self.model["policies"]:
            arn = f"arn:aws:iam::{ACCOUNT_ID}:policy/p-{policy}"
            _iam().attach_role_policy(arn, f"role-{role}")
            inline, attached = self.model["roles"][role]
            self.model["roles"][role] = (inline, sorted({*attached, f"p-{policy}"}))

    @rule(role=NAMES, name=NAMES)
    def inline(self, role: str, name: str) -> None:
        if role in self.model["roles"]:
            _iam().put_role_policy(f"role-{role}", name, DOC)
            inline, attached = self.model["roles"][role]
            self.model["roles"][role] = (sorted({*inline, name}), attached)

    @rule(group=NAMES, stream=NAMES, message=st.text(max_size=20))
    def event(self, group: str, stream: str, message: str) -> None:
        cwlogs.put_events("us-east-1", f"/g/{group}", stream, [(1_700_000_000_000, message)])
        self.model["events"].setdefault((f"/g/{group}", stream), []).append(message)

    @rule()
    def restart(self) -> None:
        motostate.save(self.folder)
        json.loads((self.folder / motostate.STATE_FILE).read_text())
        moto_api_backend.reset()
        motostate.load(self.folder)

    @invariant()
    def matches_the_model(self) -> None:
        observed = _observed()
        roles = {f"role-{k}": v for k, v in self.model["roles"].items()}
        assert observed == {
            "roles": roles,
            "policies": self.model["policies"],
            "events": self.model["events"],
        }

    def teardown(self) -> None:
        moto_api_backend.reset()


Persistence.TestCase.settings = settings(
    max_examples=100, stateful_step_count=20, deadline=None, suppress_health_check=list(HealthCheck)
)
TestPersistence = Persistence.TestCase
