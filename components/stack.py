"""The whole stack: config and specs (`_stack_config`, re-exported), each component in order, exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components import foundations
from components._spec_shapes import base_ref, insight_entries, literal_id, with_tags
from components._stack_config import (
    BUILT_KINDS,
    CONFIG_NAMESPACE,
    Decl,
    StackConfig,
    load_specs,
    read_config,
    stack_region,
)
from components.code_function import CodeFunction
from components.dataset import build_datasets
from components.foundations import External, is_resource
from components.insight_store import build_insight_stores
from components.log_group import LogGroup
from components.recommendation import build_recommendation
from components.role import Role, evaluator_refs, function_spec
from evalctl.spec import names


def load_declarations(config: StackConfig) -> list[Decl]:
    """Load and validate every spec; any error stops the program with all located messages."""
    if not config.spec_dir.is_dir():
        raise pulumi.RunError(
            f"spec folder {config.spec_dir} does not exist; "
            f"set `{CONFIG_NAMESPACE}:specDir` in Pulumi.{config.stack}.yaml"
        )
    decls, errors = load_specs(config.spec_dir, config.stack)
    if errors:
        count = f"{len(errors)} error(s) in the specs under {config.spec_dir}; fix them (`evalctl validate`)"
        raise pulumi.RunError("\n".join([*errors, count]))
    return decls


class EvaluationStack:
    """Builds the components of one stack from its declarations and collects the exports."""

    def __init__(self, config: StackConfig, decls: list[Decl]) -> None:
        self.config = config
        self.decls = decls
        # External foundations need no account lookup (an invoke of the `aws` plugin).
        self.account: pulumi.Output[str] = (
            pulumi.Output.from_input(config.account or "")
            if config.account or config.foundations == "external"
            else aws.get_caller_identity_output().account_id
        )
        self.log_groups: dict[str, LogGroup] = {}
        self.functions: dict[str, CodeFunction | External] = {}
        self.roles: dict[str, Role | External] = {}
        self.evaluators: dict[str, Any] = {}
        self.online: dict[str, Any] = {}
        self.batches: dict[str, Any] = {}
        self.datasets: dict[str, Any] = {}
        self.gates: dict[str, Any] = {}
        self.insight_stores: dict[str, Any] = {}
        self.recommendations: dict[str, Any] = {}

    def of_kind(self, kind: str) -> list[Decl]:
        return [d for d in self.decls if d.kind == kind]

    def physical(self, decl: Decl) -> str:
        return str(names.physical_name(decl.kind, decl.name, decl.spec, self.config.stack))

    def build(self) -> None:
        """Foundations first, then evaluators, then what uses them, then gates on the results."""
        built = (
            foundations.external(self, CONFIG_NAMESPACE)
            if self.config.foundations == "external"
            else foundations.managed(self)
        )
        self.log_groups, self.functions, self.roles = built.log_groups, built.functions, built.roles
        for decl in self.evaluator_order():
            self.evaluators[decl.name] = self._evaluator(decl)
        for decl in self.of_kind("OnlineEvaluation"):
            self.online[decl.name] = self._online(decl)
        self.datasets = build_datasets(self.of_kind("Dataset"), self.physical, self.tags)
        self.insight_stores = build_insight_stores(self.of_kind("InsightStore"))
        for decl in self.of_kind("BatchEvaluation"):
            self.batches[decl.name] = self._batch(decl)
            if decl.spec.get("gates"):
                self.gates[decl.name] = self._gate(decl)
        for decl in self.of_kind("Recommendation"):
            self.recommendations[decl.name] = build_recommendation(self, decl)
        self.export()

    def evaluator_order(self) -> list[Decl]:
        """Evaluators with a derived evaluator's base first (the lint rejects cycles)."""
        pending, done, order = list(self.of_kind("Evaluator")), set(), []
        while pending:
            ready = [
                d for d in pending if base_ref(d) in done or base_ref(d) not in {p.name for p in pending}
            ]
            ready = ready or pending[:1]
            for decl in ready:
                order.append(decl)
                done.add(decl.name)
                pending.remove(decl)
        return order

    def tags(self, decl: Decl) -> dict[str, str]:
        return {"evalctl:stack": self.config.stack, "evalctl:spec": f"{decl.kind}/{decl.name}"}

    def _ref(self, ref: str, depends: list[pulumi.Resource]) -> Any:
        """An evaluator reference as an id: our evaluators' ids are Outputs (and dependencies)."""
        if ref in self.evaluators:
            depends.append(self.evaluators[ref])
            return self.evaluators[ref].evaluator_id
        return literal_id(ref)

    def _evaluator(self, decl: Decl) -> Any:
        from components.evaluator import Evaluator, EvaluatorArgs

        spec = with_tags(json.loads(json.dumps(decl.spec)), self.tags(decl))
        config = spec.get("evaluatorConfig") or {}
        depends: list[pulumi.Resource] = []
        if decl.name in self.functions:
            function, fn = self.functions[decl.name], function_spec(decl) or {}
            timeout = int(fn.get("timeoutSeconds", 60))
            config["codeBased"] = {
                "lambdaConfig": {"lambdaArn": function.arn, "lambdaTimeoutInSeconds": timeout}
            }
            if is_resource(function):
                depends.append(function)
        if base_ref(decl):
            config["derived"]["baseEvaluatorId"] = self._ref(str(base_ref(decl)), depends)
        spec["evaluatorName"] = self.physical(decl)
        used = {r for d in self.of_kind("OnlineEvaluation") for r in evaluator_refs(d)}
        args = EvaluatorArgs(
            spec=spec, source=str(decl.file), import_id=decl.import_id, used_online=decl.name in used
        )
        return Evaluator(f"evaluator-{decl.name}", args, pulumi.ResourceOptions(depends_on=depends))

    def _online(self, decl: Decl) -> Any:
        from components.online_evaluation import OnlineEvaluation, OnlineEvaluationArgs

        spec = insight_entries(with_tags(dict(decl.spec), self.tags(decl)))
        depends: list[pulumi.Resource] = []
        spec["evaluators"] = [{"evaluatorId": self._ref(r, depends)} for r in evaluator_refs(decl)]
        role = str(spec.get("evaluationExecutionRoleArn", ""))
        if role in self.roles:
            spec["evaluationExecutionRoleArn"] = self.roles[role].arn
            if is_resource(found := self.roles[role]):
                depends.append(found)
        used = json.dumps(decl.spec)
        depends += [g for n, g in self.log_groups.items() if json.dumps(self.physical(self._decl(n))) in used]
        spec["onlineEvaluationConfigName"] = self.physical(decl)
        args = OnlineEvaluationArgs(spec=spec, source=str(decl.file), import_id=decl.import_id)
        return OnlineEvaluation(f"online-{decl.name}", args, pulumi.ResourceOptions(depends_on=depends))

    def _decl(self, name: str, kind: str = "LogGroup") -> Decl:
        return next(d for d in self.of_kind(kind) if d.name == name)

    def _batch(self, decl: Decl) -> Any:
        from components.batch_evaluation import BatchEvaluation, BatchEvaluationArgs

        spec = insight_entries(
            with_tags({k: v for k, v in decl.spec.items() if k != "gates"}, self.tags(decl))
        )
        depends: list[pulumi.Resource] = []
        spec["evaluators"] = [{"evaluatorId": self._ref(r, depends)} for r in evaluator_refs(decl)]
        keys = self._evaluator_keys(decl)
        if spec.get("groundTruth"):
            spec["groundTruth"] = self._decl(str(spec["groundTruth"]), "GroundTruth").spec
        dataset_key = self._dataset_key(spec)  # tells a preview whether the Dataset keeps its version
        if spec.get("dataset"):
            spec["dataset"] = self._dataset_ref(spec["dataset"], depends)
        if spec.get("insights"):  # a job with insights writes them only once the store is enabled
            depends += list(self.insight_stores.values())
        spec["batchEvaluationName"] = self.physical(decl)
        args = BatchEvaluationArgs(spec, str(decl.file), keys, dataset_key)
        return BatchEvaluation(f"batch-{decl.name}", args, pulumi.ResourceOptions(depends_on=depends))

    def _dataset_ref(self, ref: dict[str, Any], depends: list[pulumi.Resource]) -> dict[str, Any]:
        """A batch's `dataset` with the Dataset's id, and the version to run: `latest` follows the
        Dataset's newest published version, so publishing a new one starts a new job."""
        dataset = self.datasets[str(ref["name"])]
        depends.append(dataset)
        version = ref.get("version", "latest")
        pinned = dataset.dataset_version if version == "latest" else str(version)
        return {**ref, "datasetId": dataset.dataset_id, "datasetVersion": pinned}

    def evaluator_key(self, name: str) -> str:
        """components.evaluator.identity_key of one of our evaluators, from its declaration."""
        from components.evaluator import identity_key

        decl = self._decl(name, "Evaluator")
        used = {r for d in self.of_kind("OnlineEvaluation") for r in evaluator_refs(d)}
        return identity_key(self.physical(decl), decl.spec, name in used)

    def reference_key(self, kind: str, name: str) -> str | None:
        """The identity key of our OnlineEvaluation or BatchEvaluation `name` (None: unknown before `up`)."""
        from components import batch_evaluation, online_evaluation

        decl = self._decl(name, kind)
        if kind == "OnlineEvaluation":
            return online_evaluation.identity_key(self.physical(decl), decl.spec)
        spec = dict(decl.spec)
        if spec.get("groundTruth"):  # its content is sent with the job: a change replaces the job
            spec["groundTruth"] = self._decl(str(spec["groundTruth"]), "GroundTruth").spec
        keys, version = self._evaluator_keys(decl), self._dataset_key(spec)  # its `latest` version
        return batch_evaluation.identity_key(self.physical(decl), spec, keys, version)

    def _dataset_key(self, spec: dict[str, Any]) -> str | None:
        """components.dataset.version_key of the Dataset a batch runs (None: it runs none)."""
        return getattr(self.datasets.get(str((spec.get("dataset") or {}).get("name"))), "version_key", None)

    def _evaluator_keys(self, decl: Decl) -> dict[str, str]:
        return {r: self.evaluator_key(r) for r in evaluator_refs(decl) if r in self.evaluators}

    def _gate(self, decl: Decl) -> Any:
        from components.gate import Gate, GateArgs

        batch = self.batches[decl.name]
        gates = list(decl.spec["gates"])
        refs = {str(g["evaluator"]) for g in gates if "evaluator" in g}
        aliases = {r: self.evaluators[r].evaluator_id for r in refs if r in self.evaluators}
        source = str(decl.file)
        args = GateArgs(gates, batch.batch_evaluation_id, batch.results, aliases, source, batch.status)
        return Gate(f"gate-{decl.name}", args, pulumi.ResourceOptions(depends_on=[batch]))

    def export(self) -> None:
        """Ids, ARNs, batch results and gate verdicts, keyed by logical name."""
        pulumi.export(
            "evaluators",
            {n: {"id": e.evaluator_id, "arn": e.evaluator_arn} for n, e in self.evaluators.items()},
        )
        online = {
            n: {"id": o.online_evaluation_config_id, "arn": o.online_evaluation_config_arn}
            for n, o in self.online.items()
        }
        pulumi.export("onlineEvaluations", online)
        batches = {
            n: {"id": b.batch_evaluation_id, "status": b.status, "results": b.results}
            for n, b in self.batches.items()
        }
        pulumi.export("batchEvaluations", batches)
        pulumi.export("gates", {n: g.verdicts for n, g in self.gates.items()})
        pulumi.export("roles", {n: r.arn for n, r in self.roles.items()})
        pulumi.export("logGroups", {n: g.arn for n, g in self.log_groups.items()})
        pulumi.export("functions", {n: f.arn for n, f in self.functions.items()})
        datasets = {n: {"id": d.dataset_id, "version": d.dataset_version} for n, d in self.datasets.items()}
        pulumi.export("datasets", datasets)
        stores = {n: {"arn": i.arn, "status": i.status} for n, i in self.insight_stores.items()}
        pulumi.export("insightStores", stores)
        recommendations = {
            n: {"id": r.recommendation_id, "status": r.status, "report": r.report_path}
            for n, r in self.recommendations.items()
        }
        pulumi.export("recommendations", recommendations)


def build_stack(program_dir: Path) -> EvaluationStack:
    """Entry point used by `__main__.py`."""
    config = read_config(program_dir)
    stack = EvaluationStack(config, load_declarations(config))
    stack.build()
    return stack


__all__ = [
    "BUILT_KINDS",
    "CONFIG_NAMESPACE",
    "Decl",
    "EvaluationStack",
    "StackConfig",
    "build_stack",
    "load_declarations",
    "load_specs",
    "read_config",
    "stack_region",
]
