"""`evalctl recommend`: a system-prompt or tool-description recommendation, shown as a diff.

With SPEC (a Recommendation spec's name) the text, traces and evaluator come from the spec
(`recommend_spec`); with flags they come from the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

from evalctl.cli import jobs, waiting
from evalctl.cli.argtypes import positive_float
from evalctl.cli.exits import EPILOG, EXIT_USAGE
from evalctl.cli.recommend_show import account, show, wait_done
from evalctl.recommend_request import BUILTIN_ARN, start_request
from evalctl.reports.recommendation import Text

MAX_LOOKUP_PAGES = 20  # of FilterLogEvents over aws/spans when looking for the runtime log group


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `evalctl recommend`."""
    parser = subparsers.add_parser(
        "recommend",
        help="recommend a better system prompt or tool descriptions from agent traces",
        description="With SPEC: show the newest finished recommendation `pulumi up` (or an earlier "
        "--start) ran for that Recommendation spec as a unified diff (--start runs a new one from the spec); "
        "--apply writes it into the spec's promptFile/toolsFile. Without SPEC: StartRecommendation over the "
        "flags' text and traces, wait, show the diff; --apply writes into --prompt-file or --tools-file.",
        epilog=EPILOG,
    )
    parser.add_argument("spec", nargs="?", metavar="SPEC", help="a Recommendation spec's metadata.name")
    given = parser.add_mutually_exclusive_group()
    given.add_argument("--prompt", help="the current system prompt")
    given.add_argument("--prompt-file", type=Path, help="a file holding the current system prompt")
    given.add_argument("--tools-file", type=Path, help='a JSON file {"toolName": "description", ...}')
    parser.add_argument("--evaluator", default="Builtin.Helpfulness", help="evaluator id or ARN (prompts)")
    parser.add_argument("--service", help="the agent's service.name in its traces")
    parser.add_argument(
        "--log-group",
        action="append",
        default=[],
        help="trace log group (default: the runtime log groups the service's spans name, else aws/spans)",
    )
    parser.add_argument(
        "--since", type=positive_float, default=24.0, help="read traces of the last N hours (default 24)"
    )
    parser.add_argument("--spans-file", type=Path, help="a JSON list of OpenTelemetry spans instead of logs")
    parser.add_argument("--name", help="recommendation name (default: evalctl_recommend_<time>)")
    parser.add_argument("--start", action="store_true", help="with SPEC: run a new recommendation now")
    parser.add_argument("--apply", action="store_true", help="write the recommended text into its file")
    waiting.add_wait_flags(parser)
    jobs.add_service_flags(parser)
    parser.set_defaults(handler=run)


def _read(path: Path, flag: str, as_json: bool = False) -> Any:
    """The text (or JSON) of a file a flag names; JobError says which flag and why not."""
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if as_json else text
    except json.JSONDecodeError as exc:
        raise jobs.JobError(f"{flag} {path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})") from exc
    except UnicodeDecodeError as exc:
        raise jobs.JobError(f"{flag} {path}: not a UTF-8 text file") from exc
    except OSError as exc:
        raise jobs.JobError(f"{flag} {path}: cannot read ({exc.strerror or exc})") from exc


def _current(args: argparse.Namespace) -> tuple[str, Text]:
    """(type, current text or {tool: description}) from the flags."""
    if args.tools_file is not None:
        tools = _read(args.tools_file, "--tools-file", as_json=True)
        if not isinstance(tools, dict) or not all(isinstance(v, str) for v in tools.values()):
            raise jobs.JobError(f"{args.tools_file}: expected a JSON object of tool name -> description")
        return "TOOL_DESCRIPTION_RECOMMENDATION", dict(sorted(tools.items()))
    text = args.prompt if args.prompt is not None else _read(args.prompt_file, "--prompt-file")
    return "SYSTEM_PROMPT_RECOMMENDATION", text


def _traces(args: argparse.Namespace, region: str) -> dict[str, Any]:
    if args.spans_file is not None:
        return {"sessionSpans": _read(args.spans_file, "--spans-file", as_json=True)}
    if not args.service:
        raise jobs.JobError("--service is required unless --spans-file gives the spans")
    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(hours=args.since)
    if args.log_group:
        _known_groups(args, region)
    caller = account(args)
    groups = args.log_group or _runtime_groups(args, start, now)
    arns = [f"arn:aws:logs:{region}:{caller}:log-group:{g}" for g in groups]
    return {"cloudwatchLogs": {
        "logGroupArns": arns, "serviceNames": [args.service], "startTime": start, "endTime": now,
    }}  # fmt: skip


def _known_groups(args: argparse.Namespace, region: str) -> None:
    """Every --log-group exists (DescribeLogGroups, as `evalctl run`'s pre-flight does): else the
    recommendation would start, then fail with the API's field name. JobError names the group."""
    from evalctl.aws import ClientSettings, client
    from evalctl.runner.preflight import log_groups

    logs = client("logs", ClientSettings(endpoint=args.endpoint, region=args.region, profile=args.profile))
    missing = [f.message.removeprefix("log group ") for f in log_groups(logs, list(args.log_group), [])]
    if missing:
        raise jobs.JobError(
            f"--log-group {'; '.join(missing)} ({region}); pass the group the agent writes its traces to "
            "(its runtime's /aws/bedrock-agentcore/runtimes/<agent-id>-<endpoint>, or aws/spans), check "
            "--region, or drop --log-group to read the groups the service's spans name; nothing was started"
        )


def _runtime_groups(args: argparse.Namespace, start: dt.datetime, end: dt.datetime) -> list[str]:
    """The log groups the service's spans name (`aws.log.group.names`): the agent's runtime log group,
    which holds the message text (Strands and LangChain spans carry none). aws/spans when none is named."""
    from evalctl.aws import ClientSettings, client
    from evalctl.runner.simulate import SPANS_GROUP, log_groups

    logs = client("logs", ClientSettings(endpoint=args.endpoint, region=args.region, profile=args.profile))
    window = {"startTime": int(start.timestamp() * 1000), "endTime": int(end.timestamp() * 1000)}
    pages = logs.get_paginator("filter_log_events").paginate(logGroupName=SPANS_GROUP, **window)
    seen = False  # any span of the service at all: else --service or --since is what to fix
    try:
        # A busy account's aws/spans is large: the first pages of the window decide, then we give up.
        for page in itertools.islice(pages, MAX_LOOKUP_PAGES):
            docs = [_json(e.get("message", "")) for e in page.get("events", [])]
            mine = [d for d in docs if _service_of(d) == args.service]
            seen = seen or bool(mine)
            named = log_groups(mine)
            if named:  # one page naming them is enough: a service writes to its runtime's group
                return named
    except logs.exceptions.ResourceNotFoundException:
        pass
    first = f"the first {MAX_LOOKUP_PAGES} pages of {SPANS_GROUP}"
    print(
        f"note: no span of {args.service} in {first} names its runtime log group (aws.log.group.names); "
        f"reading {SPANS_GROUP} alone, whose Strands and LangChain spans carry no message text: pass "
        "--log-group /aws/bedrock-agentcore/runtimes/<agent>-<endpoint>"
        if seen
        else f"note: no span of {args.service} in {first} over the last {args.since:g} h: check --service "
        "(the service.name of the agent's spans, <agent>.<endpoint>) and --since; reading "
        f"{SPANS_GROUP} alone",
        file=sys.stderr,
    )
    return [SPANS_GROUP]


def _json(message: str) -> Any:
    """A log event's JSON document, or None for a line that is not one (other writers share the group)."""
    try:
        return json.loads(message)
    except ValueError:
        return None


def _service_of(doc: Any) -> Any:
    return (
        ((doc.get("resource") or {}).get("attributes") or {}).get("service.name")
        if isinstance(doc, dict)
        else None
    )


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


def request(args: argparse.Namespace, region: str) -> tuple[dict[str, Any], Text]:
    """(StartRecommendation parameters, the current input)."""
    kind, current = _current(args)
    props = {"type": kind, "current": current, "agentTraces": _traces(args, region)}
    if kind == "SYSTEM_PROMPT_RECOMMENDATION":
        props["evaluator"] = _evaluator_arn(args)
    name = args.name or f"evalctl_recommend_{int(time.time())}"
    return start_request(props, name, dt.datetime.now(dt.UTC)), current


def _misplaced(args: argparse.Namespace) -> str | None:
    """A flag of the other form, which that form would ignore silently."""
    if args.spec is None:
        return "--start goes with SPEC (a Recommendation spec's name)" if args.start else None
    defaults = {"evaluator": "Builtin.Helpfulness", "log_group": [], "since": 24.0}
    flags = ("prompt", "prompt_file", "tools_file", "evaluator", "service", "log_group", "since",
             "spans_file", "name")  # fmt: skip
    given = [f"--{f.replace('_', '-')}" for f in flags if getattr(args, f) != defaults.get(f)]
    if not given:
        return None
    return (
        f"{', '.join(given)} do(es) not go with SPEC: the Recommendation spec '{args.spec}' holds its text "
        "and traces; drop SPEC to recommend from the flags"
    )


def body(args: argparse.Namespace) -> int:
    misplaced = _misplaced(args)
    if misplaced:
        print(f"evalctl recommend: {misplaced}", file=sys.stderr)
        return EXIT_USAGE
    if args.spec is not None:
        from evalctl.cli import recommend_spec

        return recommend_spec.body(args)
    if args.prompt is None and args.prompt_file is None and args.tools_file is None:
        print(
            "evalctl recommend: give SPEC, or one of --prompt, --prompt-file, --tools-file", file=sys.stderr
        )
        return EXIT_USAGE
    if args.apply and args.prompt_file is None and args.tools_file is None:
        print("evalctl recommend: --apply needs --prompt-file or --tools-file to write into", file=sys.stderr)
        return EXIT_USAGE
    data = jobs.data_client(args)
    params, current = request(args, data.meta.region_name)
    rec_id = data.start_recommendation(**params)["recommendationId"]
    print(f"recommendation {rec_id} started", file=sys.stderr)
    return show(args, wait_done(args, data, rec_id), current, args.prompt_file or args.tools_file)


def run(args: argparse.Namespace) -> int:
    """`evalctl recommend`; exit 0, or 2 with the reason."""
    return jobs.guarded("recommend", args, body)
