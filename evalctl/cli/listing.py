"""`evalctl list`: a table of what the specs declare, by kind."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from evalctl import term
from evalctl.cli.exits import EPILOG
from evalctl.spec.diagnostics import render
from evalctl.spec.names import physical_name
from evalctl.spec.project import Document, load_project


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("list", help="print a table of what the specs declare", epilog=EPILOG)
    parser.add_argument("paths", nargs="*", type=Path, help="spec files or folders (default: evaluations/)")
    parser.add_argument(
        "--stack",
        default=os.environ.get("PULUMI_STACK", "dev"),
        help="stack name used to derive AWS names (default: $PULUMI_STACK or dev)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON on stdout (messages go to stderr)")
    parser.set_defaults(handler=run)


def describe(doc: Document) -> str:
    """A short summary of what a document does."""
    spec = doc.spec
    if doc.kind == "Evaluator":
        config = next(iter(spec["evaluatorConfig"]))
        return f"{spec['level']} {config}"
    if doc.kind in ("OnlineEvaluation", "BatchEvaluation"):
        gates = len(spec.get("gates") or [])
        return f"{len(spec['evaluators'])} evaluator(s)" + (f", {gates} gate(s)" if gates else "")
    if doc.kind == "GroundTruth":
        return f"{len(spec['sessions'])} session(s)"
    if doc.kind == "Role":
        return "grants: " + ", ".join(
            g if isinstance(g, str) else g["template"] for g in spec.get("grants") or []
        )
    if doc.kind == "InsightStore":
        mode = (spec.get("encryptionConfiguration") or {}).get("mode", "AWS_OWNED_KMS_KEY")
        return f"{spec.get('enablementStatus', 'ENABLED')}, {mode}"
    if doc.kind == "Dataset":
        inline, files = len(spec.get("scenarios") or []), len(spec.get("files") or [])
        where = [f"{inline} inline scenario(s)"] * bool(inline) + [f"{files} file(s)"] * bool(files)
        where += ["S3"] * bool(spec.get("s3Source"))
        return ", ".join(where) + (", published" if spec.get("publish") else "")
    if doc.kind == "Recommendation":
        return f"{spec['type'].removesuffix('_RECOMMENDATION').lower().replace('_', ' ')}"
    if doc.kind == "EvaluatorTest":
        return f"{spec['evaluator']}: {len(spec['expect'])} expectation(s)"
    return str(spec.get("retentionInDays", "")) and f"retention {spec['retentionInDays']} days"


def run(args: argparse.Namespace) -> int:
    project, problems = load_project(list(args.paths) or [Path("evaluations")], args.stack)
    if any(p.severity == "error" for p in problems):
        print(render(problems, "text"), file=sys.stderr)
        return 1
    rows: list[dict[str, Any]] = []
    for doc in sorted(project.documents, key=lambda d: (d.kind, d.name)):
        physical = physical_name(doc.kind, doc.name, doc.spec, args.stack)
        rows.append(
            {"kind": doc.kind, "name": doc.name, "awsName": physical, "what": describe(doc),
             "file": doc.file, "line": doc.at("/metadata/name")[0]}
        )  # fmt: skip
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = [[r["kind"], r["name"], r["awsName"] or "-", r["what"], f"{r['file']}:{r['line']}"] for r in rows]
    print(term.table(["KIND", "NAME", "AWS NAME", "WHAT", "FILE"], table))
    print(f"\n{len(project.documents)} document(s) in {len(project.files)} file(s), stack '{args.stack}'")
    return 0
