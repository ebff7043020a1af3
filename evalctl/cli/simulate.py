"""`evalctl simulate DATASET --agent URL --evaluator ID`: a simulated Dataset against your local agent.

An in-process emulator stands in for AgentCore as in `evalctl run --local --agent` (OTLP receiver on
--otlp-port, the agent mapped to a synthetic runtime); each scenario is a conversation between the
agent and an actor model (evalctl.runner.simulate), and the sessions are then scored by an ordinary
batch evaluation over their ids, gated and reported as `evalctl run` does.
"""

from __future__ import annotations

import argparse
import difflib
import math
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from evalctl import request_template, scenarios
from evalctl.cli import inprocess, local_agent
from evalctl.cli.argtypes import positive_float, positive_int
from evalctl.cli.exits import EPILOG, EXIT_USAGE
from evalctl.engine.judge import JudgeError
from evalctl.engine.llm_judges import TextModel, judge_from_env
from evalctl.runner import actor
from evalctl.runner.actor import ActorUsage
from evalctl.spec.project import Document, Project

OFFLINE = (
    "simulated scenarios need an actor model and none is configured (EVALCTL_JUDGE is offline); set "
    "EVALCTL_JUDGE=bedrock (EVALCTL_JUDGE_MODEL, AWS credentials) or EVALCTL_JUDGE=openai "
    "(EVALCTL_JUDGE_BASE_URL, EVALCTL_JUDGE_API_KEY, EVALCTL_JUDGE_MODEL); no actor is faked"
)


def _min_average(text: str) -> dict[str, Any]:
    evaluator, sep, value = text.rpartition("=")
    wrong = f"expected EVALUATOR=SCORE, e.g. Builtin.Helpfulness=0.7, not {text!r}"
    try:
        score = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(wrong) from None
    if not sep or not evaluator or not math.isfinite(score):
        raise argparse.ArgumentTypeError(wrong)
    return {"evaluator": evaluator, "minAverageScore": score}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `evalctl simulate` and its flags."""
    parser = subparsers.add_parser(
        "simulate",
        help="run a simulated Dataset's scenarios against your local agent with an actor model, then score",
        description="Each scenario: its input, then messages from the actor model (EVALCTL_JUDGE=bedrock|"
        "openai) until it stops or max_turns; the sessions are scored in an in-process emulator by a batch "
        "evaluation over their ids, gated and reported as `evalctl run` does.",
        epilog=EPILOG,
    )
    parser.add_argument("dataset", help="a Dataset's metadata.name (AGENTCORE_EVALUATION_SIMULATED_V1)")
    parser.add_argument("--agent", required=True, metavar="URL", help="your agent (POST URL/invocations)")
    parser.add_argument(
        "--evaluator", action="append", required=True, metavar="ID",
        help="evaluator to score the sessions with: Builtin.* or a declared Evaluator (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--min-average", action="append", type=_min_average, default=[], metavar="EVALUATOR=SCORE",
        help="gate: the evaluator's average must be at least SCORE (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--parallel", type=positive_int, metavar="N",
        help="scenarios in flight at a time (default: 4, or fewer scenarios; 1 runs them one by one); "
        "results and reports are the same whatever N",
    )  # fmt: skip
    parser.add_argument("--request-template", help=f"payload per turn (default {request_template.DEFAULT})")
    parser.add_argument(
        "--specs", type=Path, default=Path("evaluations"), help="spec folder (default: evaluations/)"
    )
    parser.add_argument(
        "--stack", default=os.environ.get("PULUMI_STACK", "dev"), help="stack of the AWS names"
    )
    parser.add_argument("--region", help="region of the local emulator (default us-east-1)")
    parser.add_argument(
        "--otlp-port", type=int, default=local_agent.OTLP_PORT,
        help=f"port of the local emulator and its OTLP/HTTP receiver (default {local_agent.OTLP_PORT})",
    )  # fmt: skip
    parser.add_argument(
        "--telemetry-timeout", type=positive_float, default=30.0,
        help="seconds to wait for a session's spans after its last turn (default 30)",
    )  # fmt: skip
    parser.add_argument("--timeout", type=positive_float, default=3600.0, help="seconds to wait for scoring")
    parser.add_argument("--report-dir", type=Path, help="write results.json, ..., and simulation.json")
    parser.add_argument("--quiet", action="store_true", help="no progress or status messages, errors only")
    parser.add_argument("--json", action="store_true", help="print results.json on stdout")
    parser.set_defaults(handler=simulate, local=True, endpoint=None)


def _dataset(args: argparse.Namespace) -> tuple[Project, Document] | str:
    """The simulated Dataset spec, or what is wrong (spec errors as file:line:col)."""
    from evalctl.spec.diagnostics import render
    from evalctl.spec.project import load_project

    project, problems = load_project([args.specs], args.stack)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        return render(errors, "text") + f"\nfix the {len(errors)} spec error(s) first"
    doc = project.valid("Dataset", args.dataset)
    if doc is None:
        declared = [d.name for d in project.of_kind("Dataset")]
        close = difflib.get_close_matches(args.dataset, declared, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"no Dataset '{args.dataset}' (declared: {', '.join(declared) or 'none'}){hint}"
    if (doc.spec.get("schemaType") or scenarios.PREDEFINED) != scenarios.SIMULATED:
        return (
            f"{doc.file}: Dataset '{doc.name}' holds predefined scenarios: run them with a BatchEvaluation "
            "on it, `evalctl run <batch> --local --agent URL`"
        )
    wrong = local_agent.s3_problem(doc) or _evaluators(args, project)
    return wrong if wrong else (project, doc)


def _evaluators(args: argparse.Namespace, project: Project) -> str | None:
    """An --evaluator the in-process emulator cannot score with, or a gate on one not passed."""
    from evalctl.catalog import BUILTIN_EVALUATORS
    from evalctl.spec.lint.scales import NO_VALUE, categorical, out_of_reach

    declared = [d.name for d in project.of_kind("Evaluator")]
    for ref in args.evaluator:
        if ref in BUILTIN_EVALUATORS or project.valid("Evaluator", ref) is not None:
            continue
        close = difflib.get_close_matches(ref, [*BUILTIN_EVALUATORS, *declared], n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return (
            f"--evaluator {ref!r} is neither a built-in (`evalctl builtins`) nor an Evaluator declared in "
            f"{args.specs}{hint}"
        )
    for gate in args.min_average:
        if gate["evaluator"] not in args.evaluator:
            return (
                f"--min-average {gate['evaluator']}=... gates an evaluator the sessions are not scored with; "
                f"add --evaluator {gate['evaluator']}"
            )
        labels = categorical(project, gate["evaluator"])
        if labels is not None:
            return (
                f"--min-average {gate['evaluator']}=...: '{gate['evaluator']}' has a categorical "
                f"{labels[0]} ({NO_VALUE}, so there is no average to gate); give '{labels[1]}' a "
                "numerical scale (a value per label), or drop --min-average and read its label distribution "
                "in the report"
            )
        outside = out_of_reach(project, gate["evaluator"], gate["minAverageScore"])
        bounds, above = outside if outside is not None else (None, False)
        flag = f"--min-average {gate['evaluator']}={gate['minAverageScore']:g}"
        if bounds is not None and above:
            return (
                f"{flag}: above the averages '{gate['evaluator']}' can reach ({bounds.why}), so the gate "
                f"would always fail; give a SCORE within {bounds.shown()}"
            )
        if bounds is not None:
            print(
                f"warning: {flag}: below the averages '{gate['evaluator']}' can give ({bounds.why}), so the "
                f"gate always passes; give a SCORE within {bounds.shown()}",
                file=sys.stderr,
            )
    return None


def _problem(args: argparse.Namespace) -> str | None:
    if not str(args.agent).startswith(("http://", "https://")):
        return f"--agent expects the URL of your agent, e.g. http://127.0.0.1:8080, not {args.agent!r}"
    if args.request_template is not None:
        wrong = request_template.problem(args.request_template)
        if wrong:
            return f"--request-template {wrong}"
    return None


def actor_model() -> TextModel | str:
    """The configured actor model (the judges' model), or why there is none."""
    from evalctl.cli.test import judge_problem

    try:
        model = judge_from_env()
    except (JudgeError, ValueError) as exc:
        return str(exc)
    # Without a region each scenario would call the agent once, then fail at the actor.
    problem = judge_problem(os.environ.get("EVALCTL_JUDGE"))
    if problem:
        return problem.replace("--judge bedrock", "EVALCTL_JUDGE=bedrock")
    return model if isinstance(model, TextModel) else OFFLINE


def check_actor(model: TextModel) -> ActorUsage | str:
    """One small call to the actor before any agent call: its usage, or why not and what to do."""
    try:
        return actor.preflight(model)
    except actor.ActorFormatError as exc:
        fix = (
            "the actor must answer each turn with that JSON object: set EVALCTL_JUDGE_MODEL to a model that "
            "follows instructions"
        )
        return f"{exc}; {fix}; no agent was called"
    except actor.ActorError as exc:
        if os.environ.get("EVALCTL_JUDGE", "").strip().lower() == "bedrock":
            fix = (
                "check the AWS credentials and region, and that EVALCTL_JUDGE_MODEL names a model this "
                "account may invoke"
            )
        else:
            fix = (
                "start it, or point EVALCTL_JUDGE_BASE_URL, EVALCTL_JUDGE_MODEL and EVALCTL_JUDGE_API_KEY "
                "at a chat-completions server that answers"
            )
        return f"{exc}; {fix}; no agent was called"


def simulate(args: argparse.Namespace) -> int:
    """`evalctl simulate`: exit 0 pass, 1 gate failed, 2 usage error, a scenario or the job failed."""
    found = _problem(args)
    loaded = _dataset(args) if found is None else found
    model = actor_model() if not isinstance(loaded, str) else loaded
    checked = check_actor(model) if not isinstance(model, str) else model
    if isinstance(checked, str):
        print(f"evalctl simulate: {checked}", file=sys.stderr)
        return EXIT_USAGE
    assert not isinstance(loaded, str) and not isinstance(model, str)
    project, doc = loaded
    from evalctl.cli import simulate_run

    with ExitStack() as stack:
        return inprocess.guarded(
            "simulate",
            f"Dataset/{doc.name}",
            doc.file,
            lambda: simulate_run.execute(args, stack, project, doc, model, preflight=checked),
        )
