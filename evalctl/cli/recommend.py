"""`evalctl recommend`: a system-prompt or tool-description recommendation, shown as a diff."""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import json
import sys
import time
from pathlib import Path
from typing import Any

from evalctl.cli import jobs, waiting
from evalctl.cli.exits import EPILOG, EXIT_USAGE

RUNNING = frozenset({"PENDING", "IN_PROGRESS"})
BUILTIN_ARN = "arn:aws:bedrock-agentcore:::evaluator/{}"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `evalctl recommend`."""
    parser = subparsers.add_parser(
        "recommend",
        help="recommend a better system prompt or tool descriptions from agent traces",
        description="StartRecommendation over the agent's traces, wait, then print the current and the "
        "recommended text as a unified diff. --apply writes the recommendation into --prompt-file or "
        "--tools-file.",
        epilog=EPILOG,
    )
    given = parser.add_mutually_exclusive_group(required=True)
    given.add_argument("--prompt", help="the current system prompt")
    given.add_argument("--prompt-file", type=Path, help="a file holding the current system prompt")
    given.add_argument("--tools-file", type=Path, help='a JSON file {"toolName": "description", ...}')
    parser.add_argument("--evaluator", default="Builtin.Helpfulness", help="evaluator id or ARN (prompts)")
    parser.add_argument("--service", help="the agent's service.name in its traces")
    parser.add_argument(
        "--log-group", action="append", default=[], help="trace log group (default aws/spans)"
    )
    parser.add_argument(
        "--since", type=float, default=24.0, help="read traces of the last N hours (default 24)"
    )
    parser.add_argument("--spans-file", type=Path, help="a JSON list of OpenTelemetry spans instead of logs")
    parser.add_argument("--name", help="recommendation name (default: evalctl_recommend_<time>)")
    parser.add_argument("--apply", action="store_true", help="write the recommended text into its file")
    waiting.add_wait_flags(parser)
    jobs.add_service_flags(parser, specs=False)
    parser.set_defaults(handler=run)


def _current(args: argparse.Namespace) -> tuple[str, Any]:
    """(type, current text or [(tool, description)]) from the flags."""
    if args.tools_file is not None:
        tools = json.loads(args.tools_file.read_text())
        if not isinstance(tools, dict) or not all(isinstance(v, str) for v in tools.values()):
            raise jobs.JobError(f"{args.tools_file}: expected a JSON object of tool name -> description")
        return "TOOL_DESCRIPTION_RECOMMENDATION", sorted(tools.items())
    text = args.prompt if args.prompt is not None else args.prompt_file.read_text()
    return "SYSTEM_PROMPT_RECOMMENDATION", text


def _account(args: argparse.Namespace) -> str:
    """The caller's account (log group ARNs name it)."""
    from evalctl.aws import ClientSettings, client

    sts = client("sts", ClientSettings(endpoint=args.endpoint, region=args.region, profile=args.profile))
    return str(sts.get_caller_identity()["Account"])


def _traces(args: argparse.Namespace, region: str) -> dict[str, Any]:
    if args.spans_file is not None:
        return {"sessionSpans": json.loads(args.spans_file.read_text())}
    if not args.service:
        raise jobs.JobError("--service is required unless --spans-file gives the spans")
    now = dt.datetime.now(dt.UTC)
    account = _account(args)
    arns = [f"arn:aws:logs:{region}:{account}:log-group:{g}" for g in args.log_group or ["aws/spans"]]
    return {"cloudwatchLogs": {
        "logGroupArns": arns, "serviceNames": [args.service],
        "startTime": now - dt.timedelta(hours=args.since), "endTime": now,
    }}  # fmt: skip


def _evaluator_arn(args: argparse.Namespace) -> str:
    ref = str(args.evaluator)
    if ref.startswith("arn:"):
        return ref
    if ref.startswith("Builtin."):
        return BUILTIN_ARN.format(ref)
    from evalctl.aws import CONTROL, ClientSettings, client

    control = client(
        CONTROL, ClientSettings(endpoint=args.endpoint, region=args.region, profile=args.profile)
    )
    return str(control.get_evaluator(evaluatorId=ref)["evaluatorArn"])


def request(args: argparse.Namespace, region: str) -> tuple[dict[str, Any], Any]:
    """(StartRecommendation parameters, the current input)."""
    kind, current = _current(args)
    traces = _traces(args, region)
    if kind == "SYSTEM_PROMPT_RECOMMENDATION":
        config = {"systemPromptRecommendationConfig": {
            "systemPrompt": {"text": current}, "agentTraces": traces,
            "evaluationConfig": {"evaluators": [{"evaluatorArn": _evaluator_arn(args)}]},
        }}  # fmt: skip
    else:
        tools = [{"toolName": n, "toolDescription": {"text": d}} for n, d in current]
        config = {"toolDescriptionRecommendationConfig": {
            "toolDescription": {"toolDescriptionText": {"tools": tools}}, "agentTraces": traces,
        }}  # fmt: skip
    name = args.name or f"evalctl_recommend_{int(time.time())}"
    return {"name": name, "type": kind, "recommendationConfig": config}, current


def recommended(done: dict[str, Any], current: Any) -> Any:
    """The recommended text (or {tool: description}); JobError with the service's reason when FAILED."""
    result: dict[str, Any] = next(iter((done.get("recommendationResult") or {}).values()), {})
    if done["status"] != "COMPLETED":
        raise jobs.JobError(
            f"recommendation {done['status']}: {result.get('errorCode')}: {result.get('errorMessage')}"
        )
    if "recommendedSystemPrompt" in result:
        return result["recommendedSystemPrompt"]
    new = {t["toolName"]: t.get("recommendedToolDescription") for t in result.get("tools") or []}
    return {n: new.get(n) or d for n, d in current}


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        value = dict(value)
    return json.dumps(value, indent=2, sort_keys=True) + "\n"


def diff(current: Any, new: Any, label: str) -> str:
    """A unified diff of the current and the recommended text."""
    old_text, new_text = _text(current), _text(new)
    lines = difflib.unified_diff(
        old_text.splitlines(keepends=True), new_text.splitlines(keepends=True),
        fromfile=f"{label} (current)", tofile=f"{label} (recommended)",
    )  # fmt: skip
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def body(args: argparse.Namespace) -> int:
    if args.apply and args.prompt_file is None and args.tools_file is None:
        print("evalctl recommend: --apply needs --prompt-file or --tools-file to write into", file=sys.stderr)
        return EXIT_USAGE
    data = jobs.data_client(args)
    params, current = request(args, data.meta.region_name)
    started = data.start_recommendation(**params)
    rec_id = started["recommendationId"]
    print(f"recommendation {rec_id} started", file=sys.stderr)
    done = waiting.wait(
        lambda: data.get_recommendation(recommendationId=rec_id), RUNNING, f"recommendation {rec_id}",
        args.poll, args.timeout,
    )  # fmt: skip
    new = recommended(done, current)
    source = args.prompt_file or args.tools_file
    label = str(source) if source else "system prompt"
    if args.json:
        jobs.print_json({"recommendationId": rec_id, "status": done["status"], "current": _text(current),
                         "recommended": _text(new), "diff": diff(current, new, label)})  # fmt: skip
    else:
        sys.stdout.write(diff(current, new, label) or "no change recommended\n")
    if args.apply and source is not None:
        source.write_text(_text(new))
        print(f"wrote the recommendation into {source}", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    """`evalctl recommend`; exit 0, or 2 with the reason."""
    return jobs.guarded("recommend", args, body)
