"""Packages hold only the code: no secrets, no escaping symlinks, no source outside the repository."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from evalctl.packaging import MAX_UNZIPPED, PackagingError, package_source
from evalctl.spec.lint.semantic import lint_project
from evalctl.spec.project import load_project

SECRETS = {
    ".env": "OPENAI_API_KEY=canary",
    ".env.local": "X=1",
    ".aws/credentials": "[default]\naws_secret_access_key=canary",
    ".npmrc": "//registry:_authToken=canary",
    ".pypirc": "password=canary",
    ".netrc": "machine x password canary",
    "id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----",
    "certs/server.pem": "-----BEGIN PRIVATE KEY-----",
    ".git/config": "[credential]",
}


def names(data: bytes) -> set[str]:
    return set(zipfile.ZipFile(io.BytesIO(data)).namelist())


def test_secret_looking_files_are_left_out_with_a_warning(tmp_path, capsys):
    """Probe 2: .env, .aws/credentials, .npmrc ... never reach the zip; the warning names them."""
    (tmp_path / "handler.py").write_text("def handler(e, c): ...")
    for rel, text in SECRETS.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    packaged = names(package_source(tmp_path))
    assert packaged == {"handler.py"}
    warning = capsys.readouterr().err
    assert ".env" in warning and ".aws/credentials" in warning and "function.include" in warning


def test_the_include_list_packages_a_named_file(tmp_path):
    (tmp_path / "handler.py").write_text("")
    (tmp_path / "ca.pem").write_text("public CA bundle")
    (tmp_path / ".env").write_text("X=1")
    assert names(package_source(tmp_path, ["ca.pem"])) == {"handler.py", "ca.pem"}


def test_symlinks_that_leave_the_folder_are_refused(tmp_path):
    """Probe 2: a link to /etc/passwd is an error, not its contents in the zip."""
    folder = tmp_path / "fn"
    folder.mkdir()
    (folder / "handler.py").write_text("")
    (folder / "users.txt").symlink_to("/etc/passwd")
    with pytest.raises(PackagingError, match="outside the folder"):
        package_source(folder)
    (folder / "users.txt").unlink()
    (folder / "alias.py").symlink_to(folder / "handler.py")
    assert names(package_source(folder)) == {"handler.py", "alias.py"}, "links inside are fine"


def test_lambda_size_limits_are_enforced_with_the_numbers(tmp_path):
    """Probe 2: above 250 MB unzipped fails before reading; the message gives the limit."""
    (tmp_path / "handler.py").write_text("")
    with open(tmp_path / "model.bin", "wb") as out:
        out.truncate(MAX_UNZIPPED + 1)  # sparse: no disk or memory spent
    with pytest.raises(PackagingError, match=str(MAX_UNZIPPED)):
        package_source(tmp_path)
    (tmp_path / "model.bin").unlink()
    (tmp_path / "random.bin").write_bytes(os.urandom(51 * 1024 * 1024))
    with pytest.raises(PackagingError, match="52428800"):
        package_source(tmp_path)


SPEC = """apiVersion: evalctl/v1
kind: Evaluator
metadata:
  name: probe
spec:
  level: SESSION
  evaluatorConfig:
    codeBased:
      function:
        source: {source}
"""


@pytest.mark.parametrize(("source", "says"), [("/etc", "absolute"), ("../../../..", "leaves the repository")])
def test_validate_refuses_sources_outside_the_repository(tmp_path, source, says):
    """Probe 2: `source: /etc` or `../../..` is a located error from validate."""
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    (repo / "pyproject.toml").write_text("")
    spec = repo / "specs" / "probe.yaml"
    spec.write_text(SPEC.format(source=source))
    project, problems = load_project([spec])
    problems += lint_project(project)
    found = [d for d in problems if says in d.message]
    assert found, [d.message for d in problems]
    assert (found[0].line, found[0].column) == (10, 17)
    assert Path(found[0].file).name == "probe.yaml"
