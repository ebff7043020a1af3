"""`evalctl recommend SPEC`: the newest recommendation `pulumi up` or `--start` ran for a Recommendation
spec, or a new one from the spec (--start), shown as a diff and applied into the spec's promptFile or
toolsFile."""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalctl import awsops
from evalctl import recommend_inputs as inputs
from evalctl import recommend_request as rr
from evalctl.cli import jobs
from evalctl.cli.recommend_show import account, show, wait_done
from evalctl.spec.names import alternate_name, physical_name, run_name

if TYPE_CHECKING:
    from evalctl.spec.project import Document, Project

COMPLETED = frozenset({"COMPLETED"})


def spec_doc(args: argparse.Namespace, project: Project | None) -> Document:
    """The Recommendation spec named `args.spec`; JobError with the declared names and a hint."""
    docs = project.of_kind("Recommendation") if project else []
    doc = next((d for d in docs if d.name == args.spec), None)
    if doc is None:
        names = sorted(d.name for d in docs)
        close = difflib.get_close_matches(args.spec, names, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        listed = ", ".join(names) or "none"
        raise jobs.JobError(
            f"no Recommendation named '{args.spec}' under {args.specs} (declared: {listed}){hint}"
        )
    return doc


def _control(args: argparse.Namespace) -> Any:
    from evalctl.aws import CONTROL, ClientSettings, client

    return client(CONTROL, ClientSettings(endpoint=args.endpoint, region=args.region, profile=args.profile))


def _arn_of(args: argparse.Namespace, project: Project, kind: str, name: str) -> str:
    """The ARN of the deployed resource a spec reference names, found by the AWS name the stack gives
    it (the spec's explicit name, else the derived one; a replaced one may hold the alternate name)."""
    decl = project.get(kind, name)
    aws = str(physical_name(kind, name, decl.spec if decl else {}, args.stack))
    if kind == "BatchEvaluation":
        done = [r for r in jobs.list_runs(jobs.data_client(args), aws) if r.get("status") == "COMPLETED"]
        if done:
            return str(done[0]["batchEvaluationArn"])
        raise jobs.JobError(f"{kind} '{name}' has no completed run of {aws}; run `pulumi up` first")
    op, key, field = {
        "Evaluator": ("list_evaluators", "evaluators", "evaluatorName"),
        "OnlineEvaluation": ("list_online_evaluation_configs", "onlineEvaluationConfigs",
                             "onlineEvaluationConfigName"),
    }[kind]  # fmt: skip
    found = {
        str(r[field]): r
        for r in awsops.items(_control(args), op, key)
        if r.get(field) in (aws, alternate_name(aws))
    }
    live = found.get(aws) or found.get(alternate_name(aws))
    if live is None:
        raise jobs.JobError(f"{kind} '{name}' has no deployed {aws}; run `pulumi up` first")
    return str(live[field.replace("Name", "Arn")])


def _resolve(
    args: argparse.Namespace, project: Project, props: dict[str, Any], region: str
) -> dict[str, Any]:
    """References to declared specs replaced by the ARNs of what the stack deployed."""
    ref = props.get("evaluator")
    if ref is not None and project.get("Evaluator", ref) is not None:
        props["evaluator"] = _arn_of(args, project, "Evaluator", ref)
    elif ref is not None:
        props["evaluator"] = rr.evaluator_arn(ref, region, account(args))
    traces = props["agentTraces"]
    if traces.get("batchEvaluation") and not str(traces["batchEvaluation"]).startswith("arn:"):
        traces["batchEvaluation"] = _arn_of(args, project, "BatchEvaluation", traces["batchEvaluation"])
    online = traces.get("onlineEvaluation")
    if online and not str(online["config"]).startswith("arn:"):
        online["config"] = _arn_of(args, project, "OnlineEvaluation", online["config"])
    return props


def deployed(
    args: argparse.Namespace, data: Any, base: str, statuses: frozenset[str] = COMPLETED,
    hint: str = ", or pass --start to run one now",
) -> dict[str, Any]:  # fmt: skip
    """GetRecommendation of the newest recommendation `pulumi up` or `--start` started for the spec whose
    stem is `base`, among those in `statuses`; JobError saying what to run when there is none."""
    rows = awsops.items(data, "list_recommendations", "recommendationSummaries")
    ours = [r for r in rows if rr.is_spec_run(str(r["name"]), base) and r["status"] in statuses]
    if not ours:
        raise jobs.JobError(
            f"no finished recommendation of spec '{args.spec}' (AWS names {base[:37]}_<digest> or "
            f"{base[:40]}_r<hex>) in stack '{args.stack}': run `pulumi up`{hint}"
        )
    newest = max(ours, key=lambda r: str(r.get("createdAt")))
    return dict(data.get_recommendation(recommendationId=newest["recommendationId"]))


def facts(doc: Document, ran_on: Any) -> dict[str, Any]:
    """What `--json` adds for a spec's recommendation (`recommend NAME` and `results NAME` alike): the
    spec, its text file (relative to the working directory; None when inline, gone or unreadable) and
    whether that text is still `ran_on`, the text the recommendation ran on."""
    try:
        props = rr.resolved(doc.spec, Path(doc.file).parent, Path.cwd())
    except inputs.InputError:
        return {"spec": doc.name, "file": None, "fresh": False}
    return {"spec": doc.name, "file": props.get("file"), "fresh": props["current"] == ran_on}


def body(args: argparse.Namespace) -> int:
    project = jobs.declared(args)
    doc = spec_doc(args, project)
    try:
        props = rr.resolved(doc.spec, Path(doc.file).parent, Path.cwd())
    except inputs.InputError as exc:
        raise jobs.JobError(f"{doc.file}: {exc}") from exc
    source = Path(props["file"]) if "file" in props else None
    data, base = jobs.data_client(args), rr.base_name(doc.name, args.stack)
    if args.start:
        assert project is not None  # spec_doc found the spec in it
        props = _resolve(args, project, props, data.meta.region_name)
        name = run_name(base, secrets.token_hex(3))
        params = rr.start_request(props, name, dt.datetime.now(dt.UTC))
        rec_id = data.start_recommendation(**params)["recommendationId"]
        print(f"recommendation {rec_id} started", file=sys.stderr)
        done = wait_done(args, data, rec_id)
    else:
        done = deployed(args, data, base)
        if rr.input_text(done) != props["current"]:
            where = source or "the spec's text"
            raise jobs.JobError(
                f"{where} changed since recommendation {done['recommendationId']} ran, so its text is stale; "
                "run `pulumi up` (or pass --start) for a recommendation of the current text"
            )
        print(f"recommendation {done['recommendationId']} ({done['status']})", file=sys.stderr)
    return show(args, done, props["current"], source, facts(doc, rr.input_text(done)))
