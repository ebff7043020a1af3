"""`evalctl import`: turn evaluators, online evaluations and datasets live in an account into specs."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evalctl import awsops, dataset_sync, scenarios

API_VERSION = "evalctl/v1alpha1"
BUILTIN_TYPES = {"Builtin", "ThirdParty"}
# Fields the service reports about a resource that are not part of its declaration.
OBSERVED = {
    "evaluatorArn", "evaluatorId", "evaluatorType", "provider", "status", "createdAt", "updatedAt",
    "lockedForModification", "onlineEvaluationConfigArn", "onlineEvaluationConfigId", "executionStatus",
    "failureReason", "ResponseMetadata",
}  # fmt: skip
SCHEMA_FILES = {"Evaluator": "evaluator", "OnlineEvaluation": "online-evaluation", "Dataset": "dataset"}
# What the service fills in when a spec leaves outputConfig out; importing it would pin a default.
DEFAULT_RESULTS_PREFIX = "/aws/bedrock-agentcore/evaluations/results/"
DEFAULT_DESTINATION = "DEDICATED_LOG_GROUP"


class ImportError_(RuntimeError):
    """The account could not be listed; the message says which call failed and what to do."""


@dataclass
class ImportedDocument:
    """One spec document to write, with the file name it gets."""

    kind: str
    name: str
    import_id: str
    body: dict[str, Any]
    file_name: str = ""
    # Files written beside the spec (a dataset's scenarios as JSONL), by name relative to it.
    beside: dict[str, str] = field(default_factory=dict)


@dataclass
class Inventory:
    """Custom evaluators and online evaluation configs, as Get* returned them."""

    evaluators: list[dict[str, Any]] = field(default_factory=list)
    online_configs: list[dict[str, Any]] = field(default_factory=list)
    # Each dataset with its DRAFT examples, and whether it has published versions.
    datasets: list[tuple[dict[str, Any], list[dict[str, Any]], bool]] = field(default_factory=list)


def is_builtin(summary: dict[str, Any]) -> bool:
    ident = str(summary.get("evaluatorId", ""))
    return summary.get("evaluatorType") in BUILTIN_TYPES or ident.startswith(("Builtin.", "ThirdParty."))


def list_live(control: Any) -> Inventory:
    """Read every custom evaluator and online evaluation config (built-ins are skipped)."""
    inventory = Inventory()
    for summary in awsops.items(control, "list_evaluators", "evaluators"):
        if not is_builtin(summary):
            inventory.evaluators.append(control.get_evaluator(evaluatorId=summary["evaluatorId"]))
    for summary in awsops.items(control, "list_online_evaluation_configs", "onlineEvaluationConfigs"):
        ident = summary["onlineEvaluationConfigId"]
        inventory.online_configs.append(control.get_online_evaluation_config(onlineEvaluationConfigId=ident))
    for summary in awsops.items(control, "list_datasets", "datasets"):
        ident = summary["datasetId"]
        versions = control.list_dataset_versions(datasetId=ident).get("versions") or []
        detail = control.get_dataset(datasetId=ident)
        inventory.datasets.append((detail, dataset_sync.live_examples(control, ident), bool(versions)))
    return inventory


def logical_name(physical: str) -> str:
    """A metadata.name for a physical name: lower case words joined by dashes."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", physical).lower()
    return re.sub(r"[^a-z0-9]+", "-", words).strip("-") or "imported"


def _declared(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in detail.items() if k not in OBSERVED and v not in (None, {}, [])}


def evaluator_document(detail: dict[str, Any], name: str) -> ImportedDocument:
    """Spec of one evaluator: the Create request fields, with the physical name pinned."""
    spec = _declared(detail)
    return ImportedDocument("Evaluator", name, str(detail["evaluatorId"]), spec)


def _declared_output(detail: dict[str, Any]) -> dict[str, Any] | None:
    """outputConfig without what the service filled in: its own log group and the default destination."""
    given = dict((detail.get("outputConfig") or {}).get("cloudWatchConfig") or {})
    if given.get("logGroupName") == DEFAULT_RESULTS_PREFIX + str(detail["onlineEvaluationConfigId"]):
        given.pop("logGroupName")
    if given.get("resultDestination") == DEFAULT_DESTINATION:
        given.pop("resultDestination")
    return {"cloudWatchConfig": given} if given else None


def online_document(detail: dict[str, Any], name: str, evaluator_names: dict[str, str]) -> ImportedDocument:
    """Spec of one online evaluation; evaluators we also import are referenced by their names."""
    spec = _declared(detail)
    spec["evaluators"] = [
        evaluator_names.get(str(e.get("evaluatorId")), str(e.get("evaluatorId")))
        for e in detail.get("evaluators", [])
    ]
    if detail.get("insights"):
        spec["insights"] = [str(i["insightId"]) for i in detail["insights"]]
    output = _declared_output(detail)
    spec.pop("outputConfig", None)
    if output:
        spec["outputConfig"] = output
    spec["enableOnCreate"] = detail.get("executionStatus") == "ENABLED"
    return ImportedDocument("OnlineEvaluation", name, str(detail["onlineEvaluationConfigId"]), spec)


def dataset_document(
    detail: dict[str, Any], examples: list[dict[str, Any]], published: bool, name: str
) -> ImportedDocument:
    """Spec of one dataset; its scenarios go to `<name>.jsonl` beside it, one per line, for review."""
    spec: dict[str, Any] = {"datasetName": detail["datasetName"], "schemaType": detail["schemaType"]}
    spec.update({k: detail[k] for k in ("description", "kmsKeyArn") if detail.get(k)})
    if detail.get("tags"):
        spec["tags"] = detail["tags"]
    spec["publish"] = published
    lines = [json.dumps(scenarios.content(e), sort_keys=True) for e in examples]
    ordered = sorted(lines, key=lambda line: scenarios.scenario_id(json.loads(line)))
    spec["files"] = [f"{name}.jsonl"]
    doc = ImportedDocument("Dataset", name, str(detail["datasetId"]), spec)
    doc.beside[f"{name}.jsonl"] = "".join(f"{line}\n" for line in ordered)
    return doc


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}-{n}", n + 1
    taken.add(candidate)
    return candidate


def documents(inventory: Inventory) -> list[ImportedDocument]:
    """All documents for an inventory, evaluators first, with unique names per kind."""
    taken: dict[str, set[str]] = {"Evaluator": set(), "OnlineEvaluation": set(), "Dataset": set()}
    names: dict[str, str] = {}
    out: list[ImportedDocument] = []
    for detail in sorted(inventory.evaluators, key=lambda d: str(d["evaluatorName"])):
        name = _unique(logical_name(str(detail["evaluatorName"])), taken["Evaluator"])
        names[str(detail["evaluatorId"])] = name
        out.append(evaluator_document(detail, name))
    for detail in sorted(inventory.online_configs, key=lambda d: str(d["onlineEvaluationConfigName"])):
        name = _unique(logical_name(str(detail["onlineEvaluationConfigName"])), taken["OnlineEvaluation"])
        out.append(online_document(detail, name, names))
    for detail, examples, published in sorted(inventory.datasets, key=lambda d: str(d[0]["datasetName"])):
        name = _unique(logical_name(str(detail["datasetName"])), taken["Dataset"])
        out.append(dataset_document(detail, examples, published, name))
    for doc in out:
        _name_base_evaluator(doc, names)
        doc.file_name = f"{SCHEMA_FILES[doc.kind]}s/{doc.name}.yaml"
    return out


def _name_base_evaluator(doc: ImportedDocument, names: dict[str, str]) -> None:
    """A derived evaluator built on one we also import refers to it by name, like other references."""
    derived = (doc.body.get("evaluatorConfig") or {}).get("derived")
    if isinstance(derived, dict) and str(derived.get("baseEvaluatorId")) in names:
        derived["baseEvaluatorId"] = names[str(derived["baseEvaluatorId"])]


def render(doc: ImportedDocument, schema_prefix: str) -> str:
    """YAML text of one document, with the editor modeline pointing at its schema."""
    body = {
        "apiVersion": API_VERSION,
        "kind": doc.kind,
        "metadata": {"name": doc.name, "importId": doc.import_id},
        "spec": doc.body,
    }
    schema = f"{schema_prefix}/{SCHEMA_FILES[doc.kind]}.schema.json"
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
    return f"# yaml-language-server: $schema={schema}\n{text}"


def write(
    docs: list[ImportedDocument], out_dir: Path, schema_dir: Path, force: bool = False
) -> tuple[list[Path], list[Path]]:
    """Write one file per document under out_dir; existing files are kept unless `force`.

    Returns (written, skipped).
    """
    written: list[Path] = []
    skipped: list[Path] = []
    for doc in docs:
        path = out_dir / doc.file_name
        if path.exists() and not force:
            skipped.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        prefix = Path(os.path.relpath(schema_dir.resolve(), path.parent.resolve())).as_posix()
        path.write_text(render(doc, prefix), encoding="utf-8")
        written.append(path)
        for name, text in doc.beside.items():
            (path.parent / name).write_text(text, encoding="utf-8")
            written.append(path.parent / name)
    return written, skipped
