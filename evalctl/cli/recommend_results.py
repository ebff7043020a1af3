"""`evalctl results RECOMMENDATION`: the newest finished recommendation `pulumi up` or `--start` ran for a
Recommendation spec: its status, the service's explanation, and the diff of the text it was given
against the recommended one (text or `--json`), with the reviewer's report on `--report-dir`."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from evalctl import recommend_request as rr
from evalctl.cli import jobs
from evalctl.cli.exits import EXIT_USAGE
from evalctl.cli.recommend_show import render, view
from evalctl.cli.recommend_spec import deployed, spec_doc
from evalctl.cli.recommend_spec import facts as spec_facts
from evalctl.reports import recommendation as report
from evalctl.reports.gates import EXIT_JOB_FAILED

if TYPE_CHECKING:
    from evalctl.spec.project import Document, Project

FINISHED = frozenset({"COMPLETED", "FAILED"})
# What `evalctl results` says to a spec of a kind it does not show results of.
OTHER_KINDS = {
    "OnlineEvaluation": "its results are `evalctl results --online {ref}`",
    "Dataset": "results are of the BatchEvaluation that runs it (`evalctl results <batch>`); a simulated one "
    "runs with `evalctl simulate {ref}`, which reports at once",
}


def named(project: Project, ref: str) -> Document | None:
    """The Recommendation `ref` names by its name or file; None when a BatchEvaluation has that name."""
    if project.get("BatchEvaluation", ref) is not None:
        return None
    return jobs.by_name_or_file(project.of_kind("Recommendation"), ref)


def near_miss(project: Project, ref: str, specs: Path) -> str | None:
    """`did you mean` for a ref that names no declared spec and no job but is close to a Recommendation."""
    batches = [d.name for d in project.of_kind("BatchEvaluation")]
    if jobs.by_name_or_file(project.of_kind("BatchEvaluation"), ref) or jobs.ID_SHAPE.fullmatch(ref):
        return None
    other = next((kind for kind, docs in project.by_kind.items() if ref in docs), None)
    if other is not None:  # a declared spec of another kind: "no spec named" would be untrue
        shown = "results are shown for a BatchEvaluation, a Recommendation or (--online) an OnlineEvaluation"
        what = OTHER_KINDS.get(other, shown).format(ref=ref)
        return f"'{ref}' is a spec of kind {other} under {specs}; {what}"
    names = batches + [d.name for d in project.of_kind("Recommendation")]
    close = difflib.get_close_matches(ref, names, n=1, cutoff=0.6)
    if not close or close[0] in batches:
        return None  # the batch lookup says what it knows
    return f"no spec named '{ref}' under {specs}; did you mean Recommendation '{close[0]}'?"


def run(args: argparse.Namespace, project: Project, doc: Document) -> int:
    """Exit 0 for a COMPLETED recommendation, 2 for a FAILED one or when there is none to show."""
    if args.gates_from:
        print("evalctl results: --gates-from is for batch evaluations", file=sys.stderr)
        return EXIT_USAGE
    args.spec = doc.name
    return jobs.guarded("results", args, lambda given: _body(given, project))


def _body(args: argparse.Namespace, project: Project) -> int:
    doc = spec_doc(args, project)
    data = jobs.data_client(args)
    hint = f", or `evalctl recommend {doc.name} --start` to see one without deploying"
    done = deployed(args, data, rr.base_name(doc.name, args.stack), FINISHED, hint)
    current = rr.input_text(done)  # what it was recommended on, even if the file changed since
    spec = spec_facts(doc, current)
    source, fresh = spec["file"], spec["fresh"]
    shown = view(done, current, report.label(source, done.get("type")))
    if args.json:
        jobs.print_json({**shown, **spec})
    else:
        print(f"Recommendation {doc.name}: {done['recommendationId']} {done['status']} ({done['type']})")
        sys.stdout.write(f"error: {shown['error']}\n" if shown["error"] else render(shown))
    if not fresh:
        print(
            f"note: {source or 'the spec text'} is not the text this recommendation ran on; run `pulumi up` "
            f"(or `evalctl recommend {doc.name} --start`) for one of the current text",
            file=sys.stderr,
        )
    if args.report_dir and shown["recommended"] is not None:
        ran = f"`{done['recommendationId']}` ({done['status']})"
        facts = {"spec": f"`{doc.file}`", "recommendation": ran, "type": str(done["type"])}
        texts = (current, report.recommended(done, current))
        path = report.write_report(
            args.report_dir, doc.name, facts, texts, label=report.label(source, done.get("type")),
            notes=shown["explanations"],
        )  # fmt: skip
        print(f"wrote {path}", file=sys.stderr)
    return 0 if shown["error"] is None else EXIT_JOB_FAILED
