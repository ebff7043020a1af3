"""moto's S3 (buckets, object versions, bodies, metadata, tags) survives a restart with --data-dir."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.moto_api._internal.models import moto_api_backend

from evalctl.cli.main import main
from evalctl.emulator.s3state import BODY_DIR, S3StateError
from evalctl.emulator.server import EmulatorServer
from evalctl.emulator.testing import running_emulator

BINARY = bytes(range(256)) * 40 + os.urandom(1000)  # every byte value, and not valid UTF-8


@pytest.fixture(autouse=True)
def _fresh_moto() -> None:
    """moto's backends are process-wide: start each test as a new process would."""
    moto_api_backend.reset()


def _object(s3: Any, key: str, **extra: Any) -> dict[str, Any]:
    got = s3.get_object(Bucket="kept-data", Key=key, **extra)
    return {
        "body": got["Body"].read(),
        "etag": got["ETag"],
        "type": got["ContentType"],
        "metadata": got["Metadata"],
        "modified": got["LastModified"],
    }


def _fill(s3: Any) -> str:
    """Buckets and objects of every kind kept; the id of the first version of the versioned object."""
    s3.create_bucket(Bucket="kept-data", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_tagging(Bucket="kept-data", Tagging={"TagSet": [{"Key": "team", "Value": "qa"}]})
    s3.put_object(
        Bucket="kept-data", Key="dir/blob.bin", Body=BINARY, ContentType="application/x-probe",
        Metadata={"origin": "test"}, Tagging="k=v",
    )  # fmt: skip
    s3.create_bucket(Bucket="kept-versions")
    s3.put_bucket_versioning(Bucket="kept-versions", VersioningConfiguration={"Status": "Enabled"})
    first = str(s3.put_object(Bucket="kept-versions", Key="v.txt", Body=b"one")["VersionId"])
    s3.put_object(Bucket="kept-versions", Key="v.txt", Body=b"two")
    s3.delete_object(Bucket="kept-versions", Key="v.txt")  # a delete marker on top
    return first


def _read(s3: Any, first: str) -> dict[str, Any]:
    """Everything `_fill` stored, as a client reads it."""
    listed = s3.list_object_versions(Bucket="kept-versions")
    return {
        "buckets": s3.list_buckets()["Buckets"],
        "location": s3.get_bucket_location(Bucket="kept-data")["LocationConstraint"],
        "bucket tags": s3.get_bucket_tagging(Bucket="kept-data")["TagSet"],
        "blob": _object(s3, "dir/blob.bin"),
        "object tags": s3.get_object_tagging(Bucket="kept-data", Key="dir/blob.bin")["TagSet"],
        "versions": [(v["VersionId"], v["ETag"], v["IsLatest"]) for v in listed["Versions"]],
        "markers": [(m["VersionId"], m["IsLatest"]) for m in listed["DeleteMarkers"]],
        "first": s3.get_object(Bucket="kept-versions", Key="v.txt", VersionId=first)["Body"].read(),
        "versioning": s3.get_bucket_versioning(Bucket="kept-versions")["Status"],
    }


def test_buckets_objects_and_versions_survive_a_restart(tmp_path: Path) -> None:
    with running_emulator(data_dir=tmp_path) as first:
        s3 = first.client("s3")
        version = _fill(s3)
        before = _read(s3, version)
    assert before["blob"]["body"] == BINARY and before["first"] == b"one"
    assert len(before["versions"]) == 2 and [latest for _, latest in before["markers"]] == [True]
    moto_api_backend.reset()  # a new process starts with empty moto backends
    with running_emulator(data_dir=tmp_path) as second:
        s3 = second.client("s3")
        after = _read(s3, version)
        with pytest.raises(ClientError) as exc:  # the delete marker still hides the latest version
            s3.get_object(Bucket="kept-versions", Key="v.txt")
        assert exc.value.response["Error"]["Code"] == "NoSuchKey"
    assert after == before
    # One file per distinct body, named by its hash; moto.json holds no body.
    assert len(list((tmp_path / BODY_DIR).iterdir())) == 3
    assert "one" not in json.dumps(json.loads((tmp_path / "moto.json").read_text())["s3"])


def test_deleted_objects_stay_deleted_and_their_bodies_go(tmp_path: Path) -> None:
    with running_emulator(data_dir=tmp_path) as first:
        s3 = first.client("s3")
        s3.create_bucket(Bucket="kept-data")
        s3.put_object(Bucket="kept-data", Key="gone", Body=b"soon deleted")
        s3.put_object(Bucket="kept-data", Key="stays", Body=b"kept")
        first.admin.seed([], "svc")  # a seed saves moto.json, with the server still running
        assert len(list((tmp_path / BODY_DIR).iterdir())) == 2
    moto_api_backend.reset()
    with running_emulator(data_dir=tmp_path) as second:
        second.client("s3").delete_object(Bucket="kept-data", Key="gone")
    assert len(list((tmp_path / BODY_DIR).iterdir())) == 1
    moto_api_backend.reset()
    with running_emulator(data_dir=tmp_path) as third:
        listed = third.client("s3").list_objects_v2(Bucket="kept-data")["Contents"]
        assert [o["Key"] for o in listed] == ["stays"]


def test_a_changed_or_missing_body_file_is_refused_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_emulator(data_dir=tmp_path) as first:
        s3 = first.client("s3")
        s3.create_bucket(Bucket="kept-data")
        s3.put_object(Bucket="kept-data", Key="k", Body=b"original")
    [body] = (tmp_path / BODY_DIR).iterdir()
    body.write_bytes(b"tampered")
    moto_api_backend.reset()
    with pytest.raises(S3StateError, match=f"{body}: .*does not match its name"):
        EmulatorServer(port=0, data_dir=tmp_path)
    body.unlink()
    moto_api_backend.reset()
    assert main(["emulator", "--port", "0", "--data-dir", str(tmp_path)]) == 2
    said = capsys.readouterr().err
    assert f"evalctl emulator: {body}: an S3 object body named in moto.json is missing" in said
