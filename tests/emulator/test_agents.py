"""InvokeAgentRuntime through boto3, forwarded to a local HTTP agent that follows the runtime contract."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.exceptions import ClientError

from evalctl.emulator.agents import parse_mapping

ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/support_agent-abcdefghij"
SESSION = "session-0123456789-0123456789-0123456789"


class Agent(BaseHTTPRequestHandler):
    """Echoes the prompt and the session header; 'fail' answers 500, 'slow' never answers in time."""

    seen: list[tuple[str, str]] = []
    release = threading.Event()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        session = self.headers.get("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id", "")
        Agent.seen.append((self.path, session))
        if body["prompt"] == "slow":
            Agent.release.wait(5)
        status = 500 if body["prompt"] == "fail" else 200
        answer = json.dumps({"result": f"echo {body['prompt']}", "session": session}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def agent_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Agent)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Agent.seen.clear()
    Agent.release.clear()
    yield f"http://127.0.0.1:{server.server_port}"
    Agent.release.set()
    server.shutdown()


def _invoke(data: Any, prompt: str, arn: str = ARN) -> Any:
    return data.invoke_agent_runtime(
        agentRuntimeArn=arn, runtimeSessionId=SESSION, payload=json.dumps({"prompt": prompt}).encode()
    )


def test_invocations_reach_the_agent_with_the_session_header(emulator: Any, agent_url: str) -> None:
    emulator.admin.map_agents({ARN: agent_url})
    data = emulator.client("bedrock-agentcore")
    answer = _invoke(data, "hello")
    assert json.loads(answer["response"].read()) == {"result": "echo hello", "session": SESSION}
    assert answer["runtimeSessionId"] == SESSION
    # An endpoint ARN (what DatasetExecutionConfig names) reaches the same runtime.
    _invoke(data, "again", f"{ARN}/runtime-endpoint/DEFAULT")
    assert Agent.seen == [("/invocations", SESSION), ("/invocations", SESSION)]


def test_agent_errors_unmapped_runtimes_and_timeouts_are_aws_errors(emulator: Any, agent_url: str) -> None:
    emulator.admin.map_agents({ARN: agent_url})
    emulator.admin.configure(agent_timeout_seconds=0.5)
    data = emulator.client("bedrock-agentcore")
    with pytest.raises(ClientError) as failed:
        _invoke(data, "fail")
    assert failed.value.response["Error"]["Code"] == "RuntimeClientError"
    assert "HTTP 500" in str(failed.value)
    with pytest.raises(ClientError) as slow:
        _invoke(data, "slow")
    assert "did not answer within 0.5 s" in str(slow.value)
    other = ARN.replace("support_agent", "other_agent")
    with pytest.raises(ClientError) as unmapped:
        _invoke(data, "hello", other)
    assert unmapped.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "--agent" in str(unmapped.value)


def test_an_agent_that_is_down_is_reported_not_waited_for(emulator: Any) -> None:
    emulator.admin.map_agents({ARN: "http://127.0.0.1:9"})  # the discard port: nothing listens
    with pytest.raises(ClientError) as down:
        _invoke(emulator.client("bedrock-agentcore"), "hello")
    assert "could not be reached" in str(down.value)


def test_agent_mappings_are_checked() -> None:
    assert parse_mapping(f"{ARN}=http://127.0.0.1:8080/") == (ARN, "http://127.0.0.1:8080")
    with pytest.raises(ValueError, match="ARN=URL"):
        parse_mapping("support=http://127.0.0.1:8080")
