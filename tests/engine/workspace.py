"""A stack of our program under the real Pulumi CLI: file backend, passphrase secrets, emulator config."""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from components.stack import build_stack
from evalctl import naming
from evalctl.emulator.testing import EmulatorHandle
from tests.engine.conftest import ENGINE, ROOT

PROJECT = naming.PROJECT
ACCOUNT = "123456789012"
SERVICE = "support_agent.DEFAULT"
SPANS = ROOT / "tests" / "data" / "spans"
# The demo's two recorded sessions (Strands and LangChain), with which the example gates pass.
SESSIONS = [[SPANS / f"raw_otel_{agent}_{kind}.json" for kind in ("spans", "runtime_logs")]
            for agent in ("strands_bedrock", "langchain")]  # fmt: skip
TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'  # noqa: E501
# Emulated lifecycles in hundredths of a second instead of the service's minutes (admin.configure).
FAST = {"batch_pending_seconds": 0.05, "batch_session_seconds": 0.05, "stop_seconds": 0.1,
        "delete_seconds": 0.05, "resource_seconds": 0.05, "recommendation_pending_seconds": 0.05,
        "recommendation_run_seconds": 0.1}  # fmt: skip
GOING = "DELETING"


def external_foundations(emulator: EmulatorHandle, specs: Path) -> dict[str, dict[str, str]]:
    """What another team would own: one role for every declared Role, and the code evaluator's function."""
    iam, lam = emulator.client("iam"), emulator.client("lambda")
    role = iam.create_role(RoleName="team-evaluations", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    roles = dict.fromkeys(("online-exec", "batch-caller", "ci-evaluator", "ci-deployer"), role)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((specs / "evaluators" / "tool_reliability").glob("*.py")):
            archive.write(path, path.name)
    function = lam.create_function(
        FunctionName="team-tool-reliability", Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": buffer.getvalue()}, Timeout=30,
    )["FunctionArn"]  # fmt: skip
    return {"roleArns": roles, "functionArns": {"tool-reliability": function}}


@dataclass
class EngineStack:
    """One stack (`local`) of the example program in a private Pulumi home and file backend."""

    stack: auto.Stack
    log: io.StringIO

    def up(self, **options: Any) -> auto.UpResult:
        return self.stack.up(on_output=self.log.write, color="never", **options)

    def preview(self, **options: Any) -> auto.PreviewResult:
        return self.stack.preview(on_output=self.log.write, color="never", **options)

    def refresh(self, **options: Any) -> auto.RefreshResult:
        return self.stack.refresh(on_output=self.log.write, color="never", **options)

    def destroy(self, **options: Any) -> auto.DestroyResult:
        return self.stack.destroy(on_output=self.log.write, color="never", **options)

    def urns(self) -> dict[str, str]:
        """URN of every resource in the state, by resource name."""
        deployment = self.stack.export_stack().deployment
        return {r["urn"].rsplit("::", 1)[-1]: r["urn"] for r in deployment.get("resources", [])}


def engine_env(tmp: Path) -> dict[str, str]:
    """The CLI's environment: a private Pulumi home, passphrase secrets, our dynamic-provider plugin."""
    return {
        "PULUMI_HOME": str(tmp / "pulumi-home"),
        "PULUMI_CONFIG_PASSPHRASE": "engine-tier",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        # The dynamic-provider plugin is the script `make engine` writes beside the CLI.
        "PATH": f"{ENGINE / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }


def workspace_options(tmp: Path, project: str = PROJECT) -> auto.LocalWorkspaceOptions:
    """The private Pulumi home, file backend and work dir under `tmp` (the same for every process)."""
    home, state, work = tmp / "pulumi-home", tmp / "state", tmp / "work"
    for folder in (home, state, work):
        folder.mkdir(parents=True, exist_ok=True)
    settings = auto.ProjectSettings(
        name=project, runtime="python", backend=auto.ProjectBackend(url=f"file://{state}")
    )
    return auto.LocalWorkspaceOptions(
        work_dir=str(work),
        pulumi_home=str(home),
        pulumi_command=auto.PulumiCommand(root=str(ENGINE), skip_version_check=True),
        project_settings=settings,
        secrets_provider="passphrase",
        env_vars=engine_env(tmp),
    )


def program() -> None:
    """The example program: every component `build_stack` declares from the stack's specDir."""
    build_stack(ROOT)


def engine_workspace(tmp: Path, project: str = PROJECT, create: bool = True) -> auto.Stack:
    """The stack `local` of project `project` whose program is `components.stack.build_stack`, in the
    private home, file backend and work folder under `tmp` (the same ones on every call)."""
    options = workspace_options(tmp, project)
    choose = auto.create_or_select_stack if create else auto.select_stack
    return choose(stack_name="local", project_name=project, program=program, opts=options)


def engine_stack(
    tmp: Path,
    emulator: EmulatorHandle,
    specs: Path,
    external: dict[str, Any],
    project: str = PROJECT,
) -> EngineStack:
    """A fresh stack whose program is `components.stack.build_stack` over `specs`, against `emulator`;
    its config keys are in the namespace `project` (the project's own, as Pulumi names them)."""
    stack = engine_workspace(tmp, project)
    plain = {
        "aws:region": "us-east-1",
        "aws:accessKey": "test",
        "aws:secretKey": "test",
        f"{project}:specDir": str(specs),
        f"{project}:endpoint": emulator.endpoint,
        f"{project}:accountId": ACCOUNT,
        f"{project}:foundations": "external",
        f"{project}:retryBaseSeconds": "0.05",
        f"{project}:pollSeconds": "0.05",
    }
    stack.set_all_config({k: auto.ConfigValue(v) for k, v in plain.items()})
    nested = {
        f"{project}:{group}.{name}": auto.ConfigValue(arn)
        for group, arns in external.items()
        for name, arn in arns.items()
    }
    stack.set_all_config(nested, path=True)
    return EngineStack(stack, io.StringIO())


def control_of(emulator: EmulatorHandle) -> Any:
    return emulator.client("bedrock-agentcore-control")


def live(emulator: EmulatorHandle) -> tuple[list[str], list[str], list[str]]:
    """Custom evaluator names, online config names and batch job ids the emulator holds."""
    control, data = emulator.client("bedrock-agentcore-control"), emulator.client("bedrock-agentcore")
    evaluators = [e["evaluatorName"] for e in control.list_evaluators()["evaluators"]
                  if not e["evaluatorId"].startswith("Builtin.") and e.get("status") != GOING]  # fmt: skip
    online = [c["onlineEvaluationConfigName"]
              for c in control.list_online_evaluation_configs()["onlineEvaluationConfigs"]
              if c.get("status") != GOING]  # fmt: skip
    jobs = [j["batchEvaluationId"] for j in data.list_batch_evaluations()["batchEvaluations"]
            if j["status"] != GOING]  # fmt: skip
    return sorted(evaluators), sorted(online), sorted(jobs)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))
