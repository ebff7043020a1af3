"""`evalctl history [SPEC]`: batch evaluation runs, newest first, with status, scores and gate verdicts."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from evalctl.cli import jobs
from evalctl.cli.argtypes import positive_int
from evalctl.cli.exits import EPILOG

UNFINISHED = jobs.RUNNING | {"STOPPING"}

if TYPE_CHECKING:
    from evalctl.spec.project import Project


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `evalctl history` and its flags."""
    parser = subparsers.add_parser(
        "history",
        help="list batch evaluation runs, newest first, with status, scores and gates",
        description="Runs of one BatchEvaluation (by spec name, spec file or AWS name) or of every "
        "batch evaluation in the account, newest first (ListBatchEvaluations, then GetBatchEvaluation "
        "for each shown). Gates are judged when the run belongs to a declared spec.",
        epilog=EPILOG,
    )
    parser.add_argument("spec", nargs="?", metavar="SPEC", help="a BatchEvaluation's name or spec file")
    parser.add_argument("--limit", type=positive_int, default=20, help="show at most N runs (default 20)")
    jobs.add_service_flags(parser)
    parser.set_defaults(handler=run)


def describe_run(
    args: argparse.Namespace, summary: dict[str, Any], data: Any, project: Project | None
) -> dict[str, Any]:
    """One run as history shows it: ids, status, session counts, per-evaluator averages, gates."""
    from evalctl.reports.decide import apply_gates
    from evalctl.reports.results import from_batch

    response = data.get_batch_evaluation(batchEvaluationId=summary["batchEvaluationId"])
    results = from_batch(response, [], source="emulator" if args.endpoint else "aws")
    doc = jobs.spec_of_name(project, results.job.name)
    gates = list(doc.spec.get("gates") or []) if doc is not None and doc.valid else []
    # A job still running has no verdict yet: judging its partial results would show FAIL.
    pending = bool(gates) and results.job.status in UNFINISHED
    if gates and not pending:
        results, _ = apply_gates(results, gates)
    job = results.job
    return {
        "batchEvaluationId": job.id,
        "batchEvaluationName": job.name,
        "spec": doc.name if doc is not None else None,
        "status": job.status,
        "createdAt": job.createdAt,
        "sessions": {
            "total": job.totalSessions,
            "completed": job.sessionsCompleted,
            "failed": job.sessionsFailed,
        },
        "scores": [
            {
                "evaluatorId": r.id,
                "dimension": r.dimension,
                "averageScore": r.averageScore,
                "evaluated": r.evaluated,
            }
            for r in results.evaluators
        ],
        "gates": [g.model_dump(mode="json") for g in results.gates] if gates and not pending else None,
        "gatesPending": pending,
    }


def gates_cell(row: dict[str, Any]) -> str:
    """`pass 2/2`, `FAIL 1/2`, `pending` while the job runs, or `-` without declared gates."""
    if row.get("gatesPending"):
        return "pending"
    gates = row["gates"]
    if not gates:
        return "-"
    passed = sum(1 for g in gates if g["passed"])
    return f"{'pass' if passed == len(gates) else 'FAIL'} {passed}/{len(gates)}"


def scores_cell(row: dict[str, Any]) -> str:
    """`Builtin.Helpfulness 0.82, tone 0.50` (n/a when nothing was scored)."""
    cells = []
    for score in row["scores"]:
        label = score["evaluatorId"] + (f"[{score['dimension']}]" if score["dimension"] else "")
        value = score["averageScore"]
        cells.append(f"{label} {'n/a' if value is None else f'{value:.2f}'}")
    return ", ".join(cells) or "-"


def render(rows: list[dict[str, Any]]) -> str:
    """The history table."""
    from evalctl import term

    headers = ["CREATED", "ID", "STATUS", "SESSIONS", "GATES", "SCORES"]
    table = [
        [
            str(r["createdAt"] or "-"),
            r["batchEvaluationId"],
            r["status"],
            f"{r['sessions']['completed'] or 0}/{r['sessions']['total'] or 0}",
            gates_cell(r),
            scores_cell(r),
        ]
        for r in rows
    ]
    return term.table(headers, table)


def body(args: argparse.Namespace) -> int:
    """List, describe the newest `--limit`, print."""
    jobs.follow_file(args, args.spec)
    data = jobs.data_client(args)
    name, doc = jobs.resolve_name(args, args.spec) if args.spec else (None, None)
    project = jobs.declared(args)
    runs = jobs.list_runs(data, name)
    if args.spec and name and doc is None and not runs:
        raise jobs.no_runs(args, args.spec, name, doc)
    rows = [describe_run(args, s, data, project) for s in runs[: args.limit]]
    if args.json:
        jobs.print_json(rows)
    elif rows:
        print(render(rows))
    else:
        print("no batch evaluation runs" + (f" of {name}" if name else ""))
    return 0


def run(args: argparse.Namespace) -> int:
    """`evalctl history`; exit 0, or 2 when the spec is unknown or the service refused."""
    return jobs.guarded("history", args, body)
