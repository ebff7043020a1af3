"""CodeFunction component: a code-based evaluator's Lambda, packaged deterministically, with its role."""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components._names import aliased, token
from components.role import Role, RoleArgs
from evalctl import iam
from evalctl.packaging import PackagingError, package_source
from evalctl.spec.names import alternate_name

TYPE_TOKEN = token("code_function", "CodeFunction")
# Packaging lives in the core so that `evalctl run --local` ships the very same bytes.
__all__ = ["PackagingError", "package_source"]


def write_package(
    source: Path, build_dir: Path | None = None, include: tuple[str, ...] = ()
) -> tuple[Path, str]:
    """Write the package under a content-addressed name; return its path and base64 SHA-256."""
    data = package_source(source, include)
    digest = hashlib.sha256(data).digest()
    folder = build_dir or Path(tempfile.gettempdir()) / "evalctl-build"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest.hex()[:20]}.zip"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path, base64.b64encode(digest).decode()


@dataclass
class CodeFunctionArgs:
    """Inputs of a code-based evaluator function."""

    function_name: str
    source: Path
    evaluator_name: str
    account: pulumi.Input[str]
    region: pulumi.Input[str]
    handler: str = "handler.handler"
    runtime: str = "python3.12"
    timeout: int = 60
    memory_size: int = 256
    tags: dict[str, str] = field(default_factory=dict)
    build_dir: Path | None = None
    include: tuple[str, ...] = ()  # secret-looking files packaged anyway (spec function.include)


class CodeFunction(pulumi.ComponentResource):
    """Execution role, Lambda function and the AgentCore invoke permission, scoped to one evaluator."""

    arn: pulumi.Output[str]
    function_name: pulumi.Output[str]

    def __init__(self, name: str, args: CodeFunctionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, aliased(TYPE_TOKEN, opts))
        child = pulumi.ResourceOptions(parent=self)
        package, code_hash = write_package(args.source, args.build_dir, args.include)
        self.role = Role(f"{name}-exec", self._role_args(args), opts=child)
        self.function = aws.lambda_.Function(
            name,
            name=args.function_name,
            role=self.role.arn,
            runtime=args.runtime,
            handler=args.handler,
            timeout=args.timeout,
            memory_size=args.memory_size,
            code=pulumi.FileArchive(str(package)),
            source_code_hash=code_hash,
            tags=args.tags or None,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.role]),
        )
        # The evaluator may be replaced blue/green under its alternate name: both may invoke, nothing else.
        self.permissions = [
            self._permission(f"{name}-agentcore-invoke{suffix}", evaluator, args, statement)
            for suffix, evaluator, statement in (
                ("", args.evaluator_name, "AllowAgentCoreEvaluator"),
                (
                    "-bg",
                    alternate_name(args.evaluator_name),
                    "AllowAgentCoreEvaluatorBg",
                ),
            )
        ]
        self.permission = self.permissions[0]
        self.arn = self.function.arn
        self.function_name = self.function.name
        self.register_outputs({"arn": self.arn, "functionName": self.function_name, "codeSha256": code_hash})

    def _permission(
        self, name: str, evaluator_name: str, args: CodeFunctionArgs, statement_id: str
    ) -> aws.lambda_.Permission:
        """Invoke permission for the AgentCore principal, scoped to one evaluator name of this account."""
        evaluator = f"evaluator/{evaluator_name}{iam.ID_SUFFIX}"
        source_arn = pulumi.Output.all(args.region, args.account).apply(
            lambda ra: iam.AwsTarget(account=ra[1], region=ra[0]).arn("bedrock-agentcore", evaluator)
        )
        return aws.lambda_.Permission(
            name,
            action="lambda:InvokeFunction",
            function=self.function.name,
            principal=iam.AGENTCORE_PRINCIPAL,
            source_account=args.account,
            source_arn=source_arn,
            statement_id=statement_id,
            opts=pulumi.ResourceOptions(parent=self),
        )

    @staticmethod
    def _role_args(args: CodeFunctionArgs) -> RoleArgs:
        def documents(ra: list[str]) -> tuple[str, str]:
            target = iam.AwsTarget(account=ra[1], region=ra[0])
            scope = iam.Scope(function_names=(args.function_name,))
            trust = iam.trust_policy([iam.LAMBDA_PRINCIPAL], target)
            grants = iam.policy_document(iam.template_statements("codeEvaluatorExecution", scope, target))
            return json.dumps(trust, sort_keys=True), json.dumps(grants, sort_keys=True)

        docs = pulumi.Output.all(args.region, args.account).apply(documents)
        return RoleArgs(
            role_name=f"{args.function_name}_exec"[:64],
            assume_role_policy=docs.apply(lambda d: d[0]),
            policy=docs.apply(lambda d: d[1]),
            description=f"Execution role of the code-based evaluator function {args.function_name}",
            tags=args.tags,
        )
