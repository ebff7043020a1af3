"""What the stack program reads: its config from `Pulumi.<stack>.yaml` and the spec declarations."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from components import foundations
from evalctl import naming

CONFIG_NAMESPACE = naming.PROJECT
BUILT_KINDS = {
    "Evaluator",
    "OnlineEvaluation",
    "BatchEvaluation",
    "GroundTruth",
    "Role",
    "LogGroup",
    "Dataset",
    "InsightStore",
    "Recommendation",
}


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
        return self.file.resolve().parent


def load_specs(spec_dir: Path, stack: str) -> tuple[list[Decl], list[str]]:
    """Load with `evalctl.spec.load_project`; return declarations and error lines (warnings are logged)."""
    from evalctl.spec import load_project

    project, diagnostics = load_project([spec_dir], stack)
    errors = [d.format() for d in diagnostics if d.severity == "error"]
    for warning in (d for d in diagnostics if d.severity != "error"):
        pulumi.log.warn(warning.format())
    if errors:
        return [], errors
    decls = [
        Decl(doc.kind, doc.name, dict(doc.spec), Path(doc.file), (doc.metadata or {}).get("importId"))
        for doc in project.documents
        if doc.kind in BUILT_KINDS
    ]
    return decls, []


@dataclass(frozen=True)
class StackConfig:
    """What the program reads from `Pulumi.<stack>.yaml`."""

    program_dir: Path
    spec_dir: Path
    stack: str
    region: str
    account: str | None
    endpoint: str | None
    foundations: str = "managed"
    role_arns: dict[str, Any] | None = None
    function_arns: dict[str, Any] | None = None
    # Where providers write reports (Recommendation diffs); `reportDir`, default reports/.
    report_dir: Path = Path("reports")


def stack_region(own: pulumi.Config | OwnConfig) -> str:
    """The one region of the stack, resolved as the dynamic providers and pulumi-aws resolve it."""
    region = own.get("region") or pulumi.Config("aws").get("region")
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise pulumi.RunError(
            "no AWS region: set `aws:region` in Pulumi.<stack>.yaml (pulumi config set aws:region ...)"
        )
    return region


class OwnConfig:
    """The stack's `evalctl:*` config; a key an earlier release spelled `agentcore-evaluations:*`
    still counts (the new spelling wins), and `warn_legacy_keys` names the key to rename."""

    def __init__(self) -> None:
        self.current = pulumi.Config(CONFIG_NAMESPACE)
        self.legacy = pulumi.Config(naming.LEGACY_PROJECT)

    def get(self, key: str) -> str | None:
        value = self.current.get(key)
        return value if value is not None else self.legacy.get(key)

    def get_object(self, key: str) -> Any:
        value = self.current.get_object(key)
        return value if value is not None else self.legacy.get_object(key)


def legacy_keys() -> list[str]:
    """The stack config keys still in the old namespace, sorted."""
    known = {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    return sorted(k for k in known if k.startswith(f"{naming.LEGACY_PROJECT}:"))


def warn_legacy_keys(stack: str) -> None:
    """One warning per old-namespace key, naming its new spelling."""
    for key in legacy_keys():
        new = f"{CONFIG_NAMESPACE}:{key.split(':', 1)[1]}"
        pulumi.log.warn(
            f"Pulumi.{stack}.yaml: config key `{key}` is the name before the rename to evalctl; it still "
            f"works, but rename it to `{new}` (README: Migrating from agentcore-evaluations)"
        )


def read_config(program_dir: Path) -> StackConfig:
    """Stack config with defaults: specDir `evaluations`, region from `aws:region`."""
    own = OwnConfig()
    spec_dir = Path(own.get("specDir") or "evaluations")
    stack = pulumi.get_stack()
    warn_legacy_keys(stack)
    return StackConfig(
        program_dir=program_dir,
        spec_dir=spec_dir if spec_dir.is_absolute() else program_dir / spec_dir,
        stack=stack,
        region=stack_region(own),
        account=own.get("accountId"),
        endpoint=own.get("endpoint"),
        foundations=foundations.mode_of(own.get("foundations"), stack, CONFIG_NAMESPACE),
        role_arns=own.get_object("roleArns"),
        function_arns=own.get_object("functionArns"),
        report_dir=program_dir / (own.get("reportDir") or "reports"),
    )
