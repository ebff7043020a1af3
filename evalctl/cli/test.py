"""`evalctl test`: replay evaluators locally on recorded sessions and check EvaluatorTest expectations."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from evalctl import term
from evalctl.cli.exits import EPILOG
from evalctl.engine.judge import Judge, JudgeError
from evalctl.engine.llm_judges import judge_from_env
from evalctl.engine.model import EvaluationResult
from evalctl.replay.cases import Case, CaseError, build
from evalctl.replay.execute import Outcome, check, replay
from evalctl.reports.models import GateRecord, RunResults
from evalctl.reports.results import from_local
from evalctl.reports.writers import write_reports
from evalctl.spec.diagnostics import render
from evalctl.spec.project import load_project

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "test", help="replay evaluators locally on recorded sessions", epilog=EPILOG
    )
    parser.add_argument("paths", nargs="*", type=Path, help="spec files or folders (default: evaluations/)")
    parser.add_argument("--stack", default=os.environ.get("PULUMI_STACK", "dev"))
    parser.add_argument(
        "--judge",
        choices=("offline", "bedrock", "openai"),
        help="judge for LLM evaluators (default: $EVALCTL_JUDGE; none skips them)",
    )
    parser.add_argument("--workers", type=int, default=None, help="parallel workers (default: CPU count)")
    parser.add_argument(
        "--report-dir", type=Path, help="write results.json, junit.xml, summary.md, report.html"
    )
    parser.set_defaults(handler=run)


def choose_judge(name: str | None) -> Judge | None:
    """The judge asked for, else the environment's, else none (judge-based tests are skipped)."""
    if name:
        return judge_from_env({**os.environ, "EVALCTL_JUDGE": name})
    return judge_from_env() if os.environ.get("EVALCTL_JUDGE") else None


def judge_problem(name: str | None) -> str | None:
    """Why the chosen judge cannot run at all, before replaying (once, not per trace or traceback)."""
    if (name or "").strip().lower() != "bedrock":
        return None
    import boto3

    if boto3.session.Session().region_name is None and not os.environ.get("AWS_REGION"):
        return (
            "--judge bedrock needs an AWS region: export AWS_REGION (or AWS_DEFAULT_REGION), "
            "or set `region` in your AWS profile"
        )
    return None


def verdict(outcome: Outcome) -> str:
    """`SKIP`, `PASS` or `FAIL`."""
    if outcome.skipped:
        return "SKIP"
    return "PASS" if outcome.passed else "FAIL"


def table(outcomes: list[Outcome]) -> str:
    """One row per expectation: verdict, test, evaluator, target and why."""
    rows = [[verdict(o), o.test, o.evaluator, o.target[:40], o.message] for o in outcomes]
    return term.table(["RESULT", "TEST", "EVALUATOR", "TARGET", "DETAIL"], rows)


def records(outcomes: list[Outcome]) -> list[GateRecord]:
    """Expectations as gate records of the report, each named by its test."""
    return [
        GateRecord(
            kind="expectation",
            gate={"test": o.test, "evaluator": o.evaluator, "target": o.target},
            passed=o.passed,
            message=f"{o.test}: {o.evaluator} on {o.target}: {o.message}",
            threshold=0,
            details={"sessions": list(o.sessions)} if o.sessions else {},
        )
        for o in outcomes
    ]


def build_cases(args: argparse.Namespace) -> list[Case] | int:
    project, problems = load_project(list(args.paths) or [Path("evaluations")], args.stack)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        print(render(errors, "text"), file=sys.stderr)
        return EXIT_USAGE
    try:
        return [build(project, doc) for doc in project.of_kind("EvaluatorTest")]
    except CaseError as exc:
        print(f"evalctl test: {exc}", file=sys.stderr)
        return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    cases = build_cases(args)
    if isinstance(cases, int):
        return cases
    if not cases:
        print("evalctl test: no EvaluatorTest specs found", file=sys.stderr)
        return EXIT_USAGE
    problem = judge_problem(args.judge or os.environ.get("EVALCTL_JUDGE"))
    if problem is not None:
        print(f"evalctl test: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        judge = choose_judge(args.judge)
    except JudgeError as exc:  # EVALCTL_JUDGE names no judge we have, or its settings are incomplete
        print(f"evalctl test: {exc}", file=sys.stderr)
        return EXIT_USAGE
    scored = replay(cases, judge, args.workers)
    outcomes = [o for case in cases for o in check(case, scored[case.doc.name], judge is not None)]
    print(table(outcomes))
    failed = [o for o in outcomes if not o.passed]
    skipped = sum(1 for o in outcomes if o.skipped)
    # Distinct sessions, as the report counts them: tests replaying the same recording share it.
    sessions = len({s.session_id for c in cases for s in c.sessions})
    print(
        f"\n{len(outcomes) - len(failed) - skipped} passed, {len(failed)} failed, {skipped} skipped "
        f"({len(cases)} test(s), {sessions} session(s))"
    )
    if args.report_dir:
        results = results_of(cases, scored).model_copy(update={"gates": records(outcomes)})
        for path in write_reports(results, args.report_dir):
            print(f"wrote {path}", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def results_of(cases: list[Case], scored: dict[str, list[EvaluationResult]]) -> RunResults:
    triples = [(r.context.session_id, r.evaluator_id, r.to_api()) for c in cases for r in scored[c.doc.name]]
    return from_local("evalctl test", triples)
