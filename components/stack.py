"""The whole stack: read config, load specs, build every component in dependency order, export."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components.code_function import CodeFunction, CodeFunctionArgs
from components.log_group import LogGroup, LogGroupArgs
from components.role import Role, RoleArgs
from evalctl import iam

CONFIG_NAMESPACE = "agentcore-evaluations"


@dataclass(frozen=True)
class Decl:
    """One spec document as the program needs it: kind, logical name, spec fields, source file."""

    kind: str
    name: str
    spec: dict[str, Any]
    file: Path
    import_id: str | None = None

    @property
    def directory(self) -> Path:
        return self.file.parent


class PhysicalNames:
    """AWS names: logical name plus stack, fitted to each API's pattern (spec.names when present)."""

    def __init__(self, stack: str) -> None:
        self.stack = stack

    def _join(self, name: str, sep: str, allowed: str, limit: int) -> str:
        raw = re.sub(f"[^{allowed}]", sep, f"{name}{sep}{self.stack}")
        return raw[:limit]

    def evaluator(self, decl: Decl) -> str:
        explicit = decl.spec.get("evaluatorName")
        return str(explicit) if explicit else self._join(decl.name, "_", "a-zA-Z0-9_", 48)

    def agentcore(self, decl: Decl, field_name: str) -> str:
        explicit = decl.spec.get(field_name)
        return str(explicit) if explicit else self._join(decl.name, "_", "a-zA-Z0-9_", 48)

    def role(self, name: str) -> str:
        return self._join(name, "-", "a-zA-Z0-9+=,.@_-", 64)

    def function(self, name: str) -> str:
        return self._join(name, "-", "a-zA-Z0-9_-", 64)

    def log_group(self, name: str) -> str:
        return f"/evalctl/{self.stack}/{name}"


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def function_spec(decl: Decl) -> dict[str, Any] | None:
    """The `function` block of a code-based evaluator that we build from source, if any."""
    fn = decl.spec.get("function")
    if fn is None:
        code = (decl.spec.get("evaluatorConfig") or {}).get("codeBased") or {}
        fn = code.get("function")
    return fn if isinstance(fn, dict) and fn.get("source") else None


def role_grants(decl: Decl) -> list[tuple[str, tuple[str, ...] | None]]:
    """`grants` entries as (template, narrowed-to names or None)."""
    out: list[tuple[str, tuple[str, ...] | None]] = []
    for grant in decl.spec.get("grants") or []:
        if isinstance(grant, str):
            out.append((grant, None))
        else:
            out.append((str(grant["template"]), tuple(str(r) for r in grant.get("resources") or ())))
    return out


def assumed_by(decl: Decl) -> list[str]:
    value = decl.spec.get("assumedBy") or []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _diagnostic_text(diag: Any) -> str:
    if isinstance(diag, str):
        return diag
    if hasattr(diag, "format"):
        return str(diag.format())
    pointer = f" [{diag.pointer}]" if getattr(diag, "pointer", "") else ""
    return f"{diag.file}:{diag.line}:{diag.column}: {diag.severity}: {diag.message}{pointer}"


def _decl(doc: Any) -> Decl:
    dump = getattr(doc, "model_dump", None)
    data: dict[str, Any] = dump(by_alias=True, exclude_none=True, mode="json") if dump else dict(doc)
    meta = data.get("metadata") or {}
    source = getattr(doc, "source_file", None) or getattr(doc, "file", None) or meta.get("file") or "."
    return Decl(
        kind=str(data["kind"]),
        name=str(meta["name"]),
        spec=dict(data.get("spec") or {}),
        file=Path(str(source)),
        import_id=meta.get("importId"),
    )


def load_specs(spec_dir: Path, stack: str) -> tuple[list[Decl], list[str]]:
    """Load with `evalctl.spec.load_project`; return declarations and error lines (if any)."""
    from evalctl.spec import load_project

    project, diagnostics = load_project([spec_dir], stack)
    errors = [_diagnostic_text(d) for d in diagnostics if str(getattr(d, "severity", "error")) == "error"]
    if errors:
        return [], errors
    documents = getattr(project, "documents", None)
    if documents is None:
        documents = [doc for by_name in project.by_kind.values() for doc in by_name.values()]
    return [_decl(d) for d in documents if _decl(d).kind in BUILT_KINDS], []


BUILT_KINDS = {"Evaluator", "OnlineEvaluation", "BatchEvaluation", "GroundTruth", "Role", "LogGroup"}


@dataclass(frozen=True)
class StackConfig:
    """What the program reads from `Pulumi.<stack>.yaml`."""

    program_dir: Path
    spec_dir: Path
    stack: str
    region: str
    account: str | None
    endpoint: str | None


def read_config(program_dir: Path) -> StackConfig:
    """Stack config with defaults: specDir `evaluations`, region from `aws:region`."""
    own = pulumi.Config(CONFIG_NAMESPACE)
    region = pulumi.Config("aws").get("region") or "us-east-1"
    spec_dir = Path(own.get("specDir") or "evaluations")
    return StackConfig(
        program_dir=program_dir,
        spec_dir=spec_dir if spec_dir.is_absolute() else program_dir / spec_dir,
        stack=pulumi.get_stack(),
        region=region,
        account=own.get("accountId"),
        endpoint=own.get("endpoint"),
    )


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
        self.names = PhysicalNames(config.stack)
        self.account: pulumi.Output[str] = (
            pulumi.Output.from_input(config.account)
            if config.account
            else aws.get_caller_identity_output().account_id
        )
        self.log_groups: dict[str, LogGroup] = {}
        self.functions: dict[str, CodeFunction] = {}
        self.roles: dict[str, Role] = {}
        self.evaluators: dict[str, Any] = {}
        self.online: dict[str, Any] = {}
        self.batches: dict[str, Any] = {}
        self.gates: dict[str, Any] = {}

    def of_kind(self, kind: str) -> list[Decl]:
        return [d for d in self.decls if d.kind == kind]

    def build(self) -> None:
        """Foundations first, then evaluators, then what uses them, then gates on the results."""
        for decl in self.of_kind("LogGroup"):
            self.log_groups[decl.name] = self._log_group(decl)
        for decl in self.of_kind("Evaluator"):
            if function_spec(decl) is not None:
                self.functions[decl.name] = self._function(decl)
        for decl in self.of_kind("Role"):
            self.roles[decl.name] = self._role(decl)
        for decl in self.of_kind("Evaluator"):
            self.evaluators[decl.name] = self._evaluator(decl)
        for decl in self.of_kind("OnlineEvaluation"):
            self.online[decl.name] = self._online(decl)
        for decl in self.of_kind("BatchEvaluation"):
            self.batches[decl.name] = self._batch(decl)
            gate = self._gate(decl)
            if gate is not None:
                self.gates[decl.name] = gate
        self.export()

    def _log_group(self, decl: Decl) -> LogGroup:
        spec = decl.spec
        args = LogGroupArgs(
            log_group_name=spec.get("logGroupName") or self.names.log_group(decl.name),
            retention_in_days=_int_or_none(spec.get("retentionInDays")),
            kms_key_id=spec.get("kmsKeyId"),
            tags=self.tags(decl),
        )
        return LogGroup(f"log-group-{decl.name}", args)

    def _function(self, decl: Decl) -> CodeFunction:
        fn = function_spec(decl) or {}
        source = Path(str(fn["source"]))
        args = CodeFunctionArgs(
            function_name=self.names.function(decl.name),
            source=source if source.is_absolute() else decl.directory / source,
            evaluator_name=self.names.evaluator(decl),
            account=self.account,
            region=self.config.region,
            handler=str(fn.get("handler", "handler.handler")),
            runtime=str(fn.get("runtime", "python3.12")),
            timeout=int(fn.get("timeoutSeconds", fn.get("timeout", 60))),
            memory_size=int(fn.get("memorySize", 256)),
            tags=self.tags(decl),
        )
        return CodeFunction(f"function-{decl.name}", args)

    def _role(self, decl: Decl) -> Role:
        physical = decl.spec.get("roleName") or self.names.role(decl.name)
        grants = role_grants(decl)
        statements = list(decl.spec.get("statements") or [])

        def documents(account: str) -> tuple[str, str]:
            target = iam.AwsTarget(account=account, region=self.config.region)
            trust = iam.trust_policy(assumed_by(decl), target)
            body: list[iam.Statement] = []
            for template, narrowed in grants:
                body += iam.template_statements(template, self.scope(narrowed), target)
            body += statements
            return to_json(trust), to_json(iam.policy_document(body))

        docs = self.account.apply(documents)
        args = RoleArgs(
            role_name=physical,
            assume_role_policy=docs.apply(lambda d: d[0]),
            policy=docs.apply(lambda d: d[1]) if grants or statements else None,
            description=decl.spec.get("description"),
            tags=self.tags(decl),
        )
        return Role(f"role-{decl.name}", args)

    def scope(self, narrowed: tuple[str, ...] | None) -> iam.Scope:
        """Names a grant may touch: the whole stack, or only the named specs and what they use."""
        chosen = [d for d in self.decls if narrowed is None or d.name in narrowed]
        users = [d for d in chosen if d.kind in ("OnlineEvaluation", "BatchEvaluation")]
        refs = {r for d in users for r in evaluator_refs(d)}
        evaluators = [d for d in self.of_kind("Evaluator") if d in chosen or d.name in refs]
        online = [d for d in chosen if d.kind == "OnlineEvaluation"]
        sources = [(d.spec.get("dataSourceConfig") or {}).get("cloudWatchLogs") or {} for d in online]
        outputs = [((d.spec.get("outputConfig") or {}).get("cloudWatchConfig") or {}) for d in online]
        code = [((d.spec.get("evaluatorConfig") or {}).get("codeBased") or {}) for d in evaluators]
        built = [d for d in evaluators if function_spec(d) is not None]
        roles = [str(d.spec.get("roleName") or self.names.role(d.name)) for d in chosen if d.kind == "Role"]
        roles += [f"{self.names.function(d.name)}_exec"[:64] for d in built]
        return iam.Scope(
            evaluator_names=tuple(self.names.evaluator(d) for d in evaluators),
            builtin_evaluator_ids=tuple(sorted(r for r in refs if r.startswith("Builtin."))),
            online_evaluation_names=tuple(
                self.names.agentcore(d, "onlineEvaluationConfigName") for d in online
            ),
            model_ids=tuple(sorted({m for d in evaluators for m in model_ids(d.spec)})),
            source_log_groups=tuple(g for s in sources for g in s.get("logGroupNames") or ()),
            source_log_group_prefixes=tuple(g for s in sources for g in s.get("logGroupNamePrefixes") or ()),
            output_log_groups=tuple(o["logGroupName"] for o in outputs if o.get("logGroupName")),
            log_group_names=tuple(
                str(d.spec.get("logGroupName") or self.names.log_group(d.name))
                for d in chosen
                if d.kind == "LogGroup"
            ),
            function_names=tuple(self.names.function(d.name) for d in built),
            function_arns=tuple(
                c["lambdaConfig"]["lambdaArn"] for c in code if "lambdaArn" in c.get("lambdaConfig", {})
            ),
            role_names=tuple(roles),
        )

    def tags(self, decl: Decl) -> dict[str, str]:
        return {"evalctl:stack": self.config.stack, "evalctl:spec": f"{decl.kind}/{decl.name}"}

    # ---- dynamic resources (components by the providers engineer) -------------------------------

    def _evaluator(self, decl: Decl) -> Any:
        from components.evaluator import Evaluator, EvaluatorArgs

        spec = dict(decl.spec)
        spec.pop("function", None)
        depends: list[pulumi.Resource] = []
        if decl.name in self.functions:
            function = self.functions[decl.name]
            code = {"lambdaConfig": {"lambdaArn": function.arn, "lambdaTimeoutInSeconds": 60}}
            spec["evaluatorConfig"] = {"codeBased": code}
            depends.append(function)
        spec["evaluatorName"] = self.names.evaluator(decl)
        args = EvaluatorArgs(spec=spec, source=str(decl.file), import_id=decl.import_id)
        return Evaluator(f"evaluator-{decl.name}", args, pulumi.ResourceOptions(depends_on=depends))

    def _resolved_evaluators(self, decl: Decl) -> tuple[list[Any], list[pulumi.Resource]]:
        ids: list[Any] = []
        depends: list[pulumi.Resource] = []
        for ref in evaluator_refs(decl):
            if ref in self.evaluators:
                ids.append({"evaluatorId": self.evaluators[ref].evaluator_id})
                depends.append(self.evaluators[ref])
            else:
                ids.append({"evaluatorId": ref})
        return ids, depends

    def _online(self, decl: Decl) -> Any:
        from components.online_evaluation import OnlineEvaluation, OnlineEvaluationArgs

        spec = dict(decl.spec)
        spec["evaluators"], depends = self._resolved_evaluators(decl)
        role_ref = spec.pop("role", None) or spec.pop("executionRole", None)
        if role_ref in self.roles:
            spec["evaluationExecutionRoleArn"] = self.roles[role_ref].arn
            depends.append(self.roles[role_ref])
        depends += list(self.log_groups.values())
        spec["onlineEvaluationConfigName"] = self.names.agentcore(decl, "onlineEvaluationConfigName")
        args = OnlineEvaluationArgs(spec=spec, source=str(decl.file), import_id=decl.import_id)
        return OnlineEvaluation(f"online-{decl.name}", args, pulumi.ResourceOptions(depends_on=depends))

    def _batch(self, decl: Decl) -> Any:
        from components.batch_evaluation import BatchEvaluation, BatchEvaluationArgs

        spec = dict(decl.spec)
        spec.pop("gates", None)
        spec["evaluators"], depends = self._resolved_evaluators(decl)
        truth = {d.name: d.spec for d in self.of_kind("GroundTruth")}
        ground = spec.get("groundTruth")
        if isinstance(ground, str) and ground in truth:
            spec["groundTruth"] = truth[ground]
        spec["batchEvaluationName"] = self.names.agentcore(decl, "batchEvaluationName")
        args = BatchEvaluationArgs(spec=spec, source=str(decl.file))
        return BatchEvaluation(f"batch-{decl.name}", args, pulumi.ResourceOptions(depends_on=depends))

    def _gate(self, decl: Decl) -> Any:
        gates = decl.spec.get("gates")
        if not gates:
            return None
        from components.gate import Gate, GateArgs

        batch = self.batches[decl.name]
        args = GateArgs(gates=gates, batch_evaluation_id=batch.batch_evaluation_id, results=batch.results)
        return Gate(f"gate-{decl.name}", args, pulumi.ResourceOptions(depends_on=[batch]))

    def export(self) -> None:
        """Ids, ARNs, batch results and gate verdicts, keyed by logical name."""
        pulumi.export(
            "evaluators",
            {n: {"id": e.evaluator_id, "arn": e.evaluator_arn} for n, e in self.evaluators.items()},
        )
        pulumi.export(
            "onlineEvaluations",
            {
                n: {"id": o.online_evaluation_config_id, "arn": o.online_evaluation_config_arn}
                for n, o in self.online.items()
            },
        )
        pulumi.export(
            "batchEvaluations",
            {
                n: {"id": b.batch_evaluation_id, "status": b.status, "results": b.results}
                for n, b in self.batches.items()
            },
        )
        pulumi.export("gates", {n: g.verdicts for n, g in self.gates.items()})
        pulumi.export("roles", {n: r.arn for n, r in self.roles.items()})
        pulumi.export("logGroups", {n: g.arn for n, g in self.log_groups.items()})
        pulumi.export("functions", {n: f.arn for n, f in self.functions.items()})


def evaluator_refs(decl: Decl) -> list[str]:
    """Evaluator references of an online or batch evaluation: logical names or `Builtin.*` ids."""
    out: list[str] = []
    for entry in decl.spec.get("evaluators") or []:
        if isinstance(entry, str):
            out.append(entry)
        elif isinstance(entry, dict):
            ref = entry.get("evaluatorId") or entry.get("name") or entry.get("ref")
            if ref:
                out.append(str(ref))
    return out


def model_ids(spec: dict[str, Any]) -> list[str]:
    """Judge model ids of an LLM-as-a-judge or derived evaluator."""
    config = spec.get("evaluatorConfig") or {}
    found = []
    for kind in ("llmAsAJudge", "derived"):
        models = (config.get(kind) or {}).get("modelConfig") or {}
        for flavour in models.values():
            if isinstance(flavour, dict) and flavour.get("modelId"):
                found.append(str(flavour["modelId"]))
    return found


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def build_stack(program_dir: Path) -> EvaluationStack:
    """Entry point used by `__main__.py`."""
    config = read_config(program_dir)
    stack = EvaluationStack(config, load_declarations(config))
    stack.build()
    return stack
