"""`evalctl insights list|show|archive`: Agent Insights (patterns across sessions) on the data plane."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from evalctl import term
from evalctl.cli import jobs
from evalctl.cli.exits import EPILOG, EXIT_USAGE

ACTIONS = ("list", "show", "archive")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `evalctl insights`."""
    parser = subparsers.add_parser(
        "insights",
        help="list, show or archive Agent Insights found by batch evaluations",
        description="Agent Insights are failure patterns the service found across sessions (batch "
        "evaluations with insights, written while the account's Agent Insight Store is enabled). "
        "`list` pages through ListAgentInsights; `show ID` prints one with its root causes and sample "
        "sessions; `archive ID` sets its archive status to ARCHIVED (`--restore`: back to ACTIVE).",
        epilog=EPILOG,
    )
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("insight_id", nargs="?", metavar="ID", help="an agent insight id (show, archive)")
    parser.add_argument("--batch", help="list: only insights of this batch evaluation id")
    parser.add_argument("--application", help="the insight's application (default: found by listing)")
    parser.add_argument("--status", choices=("ACTIVE", "ARCHIVED"), help="list: only this archive status")
    parser.add_argument("--restore", action="store_true", help="archive: set ACTIVE again")
    jobs.add_service_flags(parser, specs=False)
    parser.set_defaults(handler=run)


def list_all(data: Any, **filters: str) -> list[dict[str, Any]]:
    """ListAgentInsights, every page, with the given filters."""
    from evalctl.awsops import token_items

    kwargs: dict[str, Any] = {k: v for k, v in filters.items() if v}
    return list(token_items(data.list_agent_insights, "agentInsights", maxResults=50, **kwargs))


def _application(args: argparse.Namespace, data: Any) -> str:
    """--application, or the application of the listed insight with this id."""
    if args.application:
        return str(args.application)
    match = [i for i in list_all(data) if i["agentInsightId"] == args.insight_id]
    if not match:
        raise jobs.JobError(f"no agent insight {args.insight_id} in this account and region")
    return str(match[0]["applicationName"])


def _print_list(items: list[dict[str, Any]]) -> None:
    if not items:
        print(
            "no agent insights (a batch evaluation with `insights` writes them while the Agent Insight Store "
            "is enabled: kind InsightStore)",
            file=sys.stderr,
        )
        return
    rows = [
        [
            item["agentInsightId"],
            item["archiveStatus"],
            item["applicationName"],
            item.get("batchEvaluationId") or "-",
            str(item.get("affectedSessionCount", "?")),
            item["name"],
        ]
        for item in items
    ]
    print(term.table(["ID", "STATUS", "APPLICATION", "BATCH", "SESSIONS", "NAME"], rows, right=(4,)))


def _print_detail(detail: dict[str, Any]) -> None:
    print(f"{detail['name']}  [{detail['type']}, {detail['archiveStatus']}]")
    batch, sessions = detail.get("batchEvaluationId") or "-", detail.get("affectedSessionCount", "?")
    print(f"id {detail['agentInsightId']}  application {detail['applicationName']}", end="  ")
    print(f"batch {batch}  sessions {sessions}")
    print(detail["description"])
    for root in detail.get("rootCauses") or []:
        print(f"- root cause: {root['name']} ({root.get('affectedSessionCount', '?')} session(s))")
        print(f"  {root['explanation']}")
        if root.get("suggestedFix"):
            print(f"  fix: {root['suggestedFix']}")
    for sample in detail.get("sampleSessions") or []:
        for finding in sample.get("findings") or []:
            where = f"{finding.get('targetType', '')} {finding.get('targetId', '')}".strip() or "session"
            print(f"  session {sample['sessionId']}: {where}: {finding['description']}")


def body(args: argparse.Namespace) -> int:
    """Call the operation the action names and print its answer."""
    data = jobs.data_client(args)
    if args.action == "list":
        items = list_all(
            data, batchEvaluationId=args.batch, applicationName=args.application, archiveStatus=args.status
        )
        jobs.print_json(items) if args.json else _print_list(items)
        return 0
    if not args.insight_id:
        raise jobs.JobError(
            f"`evalctl insights {args.action}` needs an insight ID (see `evalctl insights list`)"
        )
    ident = {"agentInsightId": args.insight_id, "applicationName": _application(args, data)}
    if args.action == "show":
        detail = {k: v for k, v in data.get_agent_insight(**ident).items() if k != "ResponseMetadata"}
        jobs.print_json(detail) if args.json else _print_detail(detail)
        return 0
    status = "ACTIVE" if args.restore else "ARCHIVED"
    answer = data.update_agent_insight(**ident, archiveStatus=status)
    answer = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    jobs.print_json(answer) if args.json else print(f"agent insight {answer['agentInsightId']}: {status}")
    return 0


def run(args: argparse.Namespace) -> int:
    """`evalctl insights`; exit 0, or 2 with the service's reason."""
    if args.restore and args.action != "archive":
        print("evalctl insights: --restore goes with `archive`", file=sys.stderr)
        return EXIT_USAGE
    # What another action takes would be ignored silently: an ID given to `list` lists everything.
    if args.action == "list":
        misplaced = ["an ID (`evalctl insights show ID` shows one)"] if args.insight_id else []
    else:
        misplaced = [flag for flag, value in (("--batch", args.batch), ("--status", args.status)) if value]
    if misplaced:
        print(f"evalctl insights: {', '.join(misplaced)} does not go with `{args.action}`", file=sys.stderr)
        return EXIT_USAGE
    from evalctl.spec.patterns import AGENTCORE_ID

    # A spec or run name here would get only the service's regular expression back.
    if args.batch and not re.fullmatch(AGENTCORE_ID, args.batch):
        print(
            f"evalctl insights: --batch takes a batch evaluation id, <run name>-<10 characters> as "
            f"`evalctl history` lists them, not {args.batch!r}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return jobs.guarded("insights", args, body)
