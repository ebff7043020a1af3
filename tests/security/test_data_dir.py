"""The --data-dir moto state is data (JSON), and an old pickle is refused, never unpickled."""

from __future__ import annotations

import io
import json
import pickle
import time
import zipfile

import pytest
from moto.moto_api._internal.models import moto_api_backend

from evalctl.emulator.motostate import LEGACY_FILE, STATE_FILE, LegacyStateError
from evalctl.emulator.server import EmulatorServer
from evalctl.emulator.testing import running_emulator

TRUST = json.dumps({"Version": "2012-10-17", "Statement": []})
POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}
)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(e, c):\n    return {'label': 'ok'}\n")
    return buffer.getvalue()


def test_state_round_trips_as_json(tmp_path):
    """IAM roles and policies, log events and Lambda functions survive a restart, stored as JSON."""
    with running_emulator(tmp_path) as emu:
        iam = emu.client("iam")
        arn = iam.create_policy(PolicyName="p", PolicyDocument=POLICY)["Policy"]["Arn"]
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        iam.attach_role_policy(RoleName="r", PolicyArn=arn)
        iam.put_role_policy(RoleName="r", PolicyName="inline", PolicyDocument=POLICY)
        logs = emu.client("logs")
        logs.create_log_group(logGroupName="/probe")
        logs.create_log_stream(logGroupName="/probe", logStreamName="s")
        logs.put_log_events(
            logGroupName="/probe",
            logStreamName="s",
            logEvents=[{"timestamp": int(time.time() * 1000), "message": "m"}],
        )
        emu.client("lambda").create_function(
            FunctionName="f",
            Runtime="python3.12",
            Role=role,
            Handler="handler.handler",
            Code={"ZipFile": _zip()},
        )
    saved = (tmp_path / STATE_FILE).read_text()
    assert json.loads(saved)["version"] == 1
    assert not (tmp_path / LEGACY_FILE).exists()
    moto_api_backend.reset()  # a fresh process: nothing but the data dir
    with running_emulator(tmp_path) as emu:
        iam = emu.client("iam")
        assert [
            p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName="r")["AttachedPolicies"]
        ] == [arn]
        assert iam.list_role_policies(RoleName="r")["PolicyNames"] == ["inline"]
        events = emu.client("logs").get_log_events(
            logGroupName="/probe", logStreamName="s", startFromHead=True
        )
        assert [e["message"] for e in events["events"]] == ["m"]
        assert (
            emu.client("lambda").get_function(FunctionName="f")["Configuration"]["Handler"]
            == "handler.handler"
        )


class _Payload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('ran')",))


def test_an_old_pickle_is_refused_not_loaded(tmp_path):
    """Probe 4: start-up never unpickles; it stops with a message saying how to migrate."""
    marker = tmp_path / "code-ran"
    (tmp_path / LEGACY_FILE).write_bytes(pickle.dumps(_Payload(str(marker))))
    with pytest.raises(LegacyStateError, match="delete that file"):
        EmulatorServer(port=0, data_dir=tmp_path)
    assert not marker.exists()
