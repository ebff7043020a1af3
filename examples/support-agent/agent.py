"""A customer-support agent on Strands, served by the AgentCore SDK's app server, with a scripted model.

Run: `python examples/support-agent/agent.py [--port 8080]`, then POST {"prompt": "..."} to
/invocations with the `X-Amzn-Bedrock-AgentCore-Runtime-Session-Id` header. Turns of one session share
the conversation. Telemetry goes to OTEL_EXPORTER_OTLP_ENDPOINT when it is set (see telemetry.py).
"""

from __future__ import annotations

import argparse
import atexit
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from bedrock_agentcore.runtime import BedrockAgentCoreApp
from scripted_model import ScriptedModel
from strands import Agent
from telemetry import Telemetry
from tools import TOOLS

# A file of its own, so the Recommendation spec (evaluations/recommendations) can diff and apply to it.
SYSTEM_PROMPT = (Path(__file__).with_name("system_prompt.md")).read_text(encoding="utf-8").strip()
MAX_SESSIONS = 256

telemetry = Telemetry()
atexit.register(telemetry.flush)
app = BedrockAgentCoreApp()
# After the app exists: it gives its logger a console handler only when the logger has none yet.
telemetry.capture(app.logger)
_sessions: OrderedDict[str, Agent] = OrderedDict()
_lock = threading.Lock()


def _agent_for(session: str) -> Agent:
    """The session's agent, so later turns see the earlier ones (least recently used are dropped)."""
    with _lock:
        agent = _sessions.pop(session, None) or Agent(
            name="support_agent",
            model=ScriptedModel(),
            tools=list(TOOLS),
            system_prompt=SYSTEM_PROMPT,
            callback_handler=None,
            trace_attributes={"session.id": session},
        )
        _sessions[session] = agent
        while len(_sessions) > MAX_SESSIONS:
            _sessions.popitem(last=False)
        return agent


@app.entrypoint
def invoke(payload: dict[str, Any], context: Any) -> dict[str, Any]:
    """One turn: the payload's `prompt` in, the agent's reply out."""
    prompt = str(payload.get("prompt") or payload.get("input") or "")
    session = getattr(context, "session_id", None) or "no-session"
    result = _agent_for(session)(prompt)
    return {"result": str(result).strip(), "session": session}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    app.run(port=args.port, host=args.host)


if __name__ == "__main__":
    main()
