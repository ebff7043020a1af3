"""CodeFunction: deterministic packaging, and the role, function and invoke permission it registers."""

from __future__ import annotations

import json
import os
import textwrap
import zipfile
from io import BytesIO

import pytest

from components.code_function import PackagingError, package_source, write_package
from tests.program.mockrun import ACCOUNT, run_program


def _source(tmp_path):
    src = tmp_path / "src"
    (src / "lib").mkdir(parents=True)
    (src / "handler.py").write_text("def handler(event, context):\n    return {'label': 'ok'}\n")
    (src / "lib" / "util.py").write_text("X = 1\n")
    (src / "__pycache__").mkdir()
    (src / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"junk")
    return src


def test_package_is_byte_identical_when_only_timestamps_change(tmp_path):
    src = _source(tmp_path)
    first = package_source(src)
    for path in src.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    assert package_source(src) == first


def test_package_has_sorted_entries_fixed_dates_and_no_caches(tmp_path):
    entries = zipfile.ZipFile(BytesIO(package_source(_source(tmp_path)))).infolist()
    assert [e.filename for e in entries] == ["handler.py", "lib/util.py"]
    assert {e.date_time for e in entries} == {(1980, 1, 1, 0, 0, 0)}


def test_changed_code_changes_the_hash(tmp_path):
    src = _source(tmp_path)
    _, before = write_package(src, tmp_path / "build")
    (src / "handler.py").write_text("def handler(event, context):\n    return {'label': 'bad'}\n")
    _, after = write_package(src, tmp_path / "build")
    assert before != after


@pytest.mark.parametrize(
    ("make", "message", "reason"),
    [
        (lambda p: p / "missing", "does not exist", "a typo in function.source"),
        (
            lambda p: (p / "empty").mkdir() or p / "empty",
            "holds no files",
            "an empty folder cannot be a function",
        ),
    ],
)
def test_packaging_errors_name_the_folder(tmp_path, make, message, reason):
    folder = make(tmp_path)
    with pytest.raises(PackagingError, match=message) as exc:
        package_source(folder)
    assert str(folder) in str(exc.value), reason


def test_component_registers_role_function_and_scoped_permission(tmp_path):
    src = _source(tmp_path)
    program = tmp_path / "program"
    program.mkdir()
    (program / "__main__.py").write_text(
        textwrap.dedent(f"""
        from pathlib import Path
        from components.code_function import CodeFunction, CodeFunctionArgs
        CodeFunction("fn", CodeFunctionArgs(function_name="tool-check-dev", source=Path({str(src)!r}),
                     evaluator_name="tool_check_dev", account="{ACCOUNT}", region="us-east-1",
                     build_dir=Path({str(tmp_path / "build")!r})))
    """)
    )
    run = run_program(program, {})
    function = run.named("fn", "aws:lambda/function:Function")
    role = run.named("fn-exec", "aws:iam/role:Role")
    permission = run.named("fn-agentcore-invoke", "aws:lambda/permission:Permission")
    assert function.inputs["role"] == f"arn:aws:iam::{ACCOUNT}:role/tool-check-dev_exec"
    policy = run.named("fn-exec-grants", "aws:iam/rolePolicy:RolePolicy")
    assert {role.urn, policy.urn} <= set(function.dependencies), "the function waits for its role and policy"
    assert permission.inputs["principal"] == "bedrock-agentcore.amazonaws.com"
    assert permission.inputs["sourceAccount"] == ACCOUNT
    assert permission.inputs["sourceArn"] == (
        f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:evaluator/tool_check_dev-??????????"
    )
    twin = run.named("fn-agentcore-invoke-bg", "aws:lambda/permission:Permission")
    assert twin.inputs["sourceArn"] == (
        f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:evaluator/tool_check_dev_bg-??????????"
    ), "the blue/green successor of the evaluator may invoke it too"
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert all(r.parent for r in (function, permission)), "children are parented to the component"
