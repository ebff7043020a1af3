"""Persist moto's S3 buckets and objects: their data in moto.json, each body in `s3/` under its SHA-256.

Saved with the rest of moto.json (motostate: when the server stops and after each seed). Bodies go
first, each to a temp file renamed to its hash, so a name always holds a whole body and an unchanged
body is never written twice; moto.json names the bodies it needs, and bodies it no longer names are
deleted only after it is replaced. A crash at any step leaves the previous moto.json and its bodies.
Kept: buckets (name, region, creation date, versioning status, tags) and every object version in
order (key, body, ETag, last-modified, content type and other metadata, storage class, tags, version
id, delete markers). Not kept: policies, ACLs, CORS, lifecycle, encryption and object-lock settings,
notifications, additional checksums, a multipart object's parts and unfinished multipart uploads.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from pathlib import Path
from typing import Any

from evalctl.emulator.settings import ACCOUNT_ID

BODY_DIR = "s3"


class S3StateError(RuntimeError):
    """moto.json names an S3 body that is missing or does not match its hash."""


def _backend() -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[ACCOUNT_ID]["aws"]


def dump(data_dir: Path) -> list[dict[str, Any]]:
    """Write every body not yet on disk; the buckets as data for moto.json."""
    backend = _backend()
    bodies = data_dir / BODY_DIR
    out = []
    # Copies of moto's dicts (dict() of the key store copies its raw version lists): S3 requests may
    # still change them while a seed saves.
    for bucket in list(backend.buckets.values()):
        objects = [
            {"key": name, "versions": [_version(backend, bodies, v) for v in list(versions)]}
            for name, versions in dict(bucket.keys).items()
        ]
        out.append(
            {
                "name": bucket.name,
                "region": bucket.region_name,
                "created": bucket.creation_date.isoformat(),
                "versioning": bucket.versioning_status,
                "tags": backend.tagger.get_tag_dict_for_resource(bucket.arn),
                "objects": objects,
            }
        )
    return out


def _version(backend: Any, bodies: Path, version: Any) -> dict[str, Any]:
    from moto.s3.models import FakeDeleteMarker

    common = {"id": version.version_id, "modified": version.last_modified.isoformat()}
    if isinstance(version, FakeDeleteMarker):
        return {**common, "deleteMarker": True}
    return {
        **common,
        "body": _write_body(bodies, version.value),
        "etag": version.etag.strip('"'),
        "metadata": dict(version.metadata),
        "storage": version.storage_class,
        "tags": backend.tagger.get_tag_dict_for_resource(version.arn),
    }


def _write_body(bodies: Path, value: bytes) -> str:
    digest = hashlib.sha256(value).hexdigest()
    path = bodies / digest
    if not path.exists():
        bodies.mkdir(parents=True, exist_ok=True)
        tmp = bodies / f".{digest}.tmp"
        tmp.write_bytes(value)
        os.replace(tmp, path)
    return digest


def prune(data_dir: Path, buckets: list[dict[str, Any]]) -> None:
    """Delete the bodies (and temp files a crash left) that the saved buckets do not name."""
    named = {v["body"] for b in buckets for o in b["objects"] for v in o["versions"] if "body" in v}
    bodies = data_dir / BODY_DIR
    if bodies.is_dir():
        for path in bodies.iterdir():
            if path.name not in named:
                path.unlink(missing_ok=True)


def load(data_dir: Path, buckets: list[dict[str, Any]]) -> None:
    """Re-create saved buckets and their object versions; buckets this process holds are kept as they are."""
    backend = _backend()
    for saved in buckets:
        if saved["name"] in backend.buckets:
            continue
        bucket = backend.create_bucket(saved["name"], saved["region"])
        bucket.creation_date = datetime.datetime.fromisoformat(saved["created"])
        bucket.versioning_status = saved["versioning"]
        if saved["tags"]:
            backend.put_bucket_tagging(bucket.name, saved["tags"])
        for obj in saved["objects"]:
            versions: list[Any] = []
            for version in obj["versions"]:
                versions.append(_restore(data_dir, bucket.name, obj["key"], version, earlier=versions))
            bucket.keys.setlist(obj["key"], versions)


def _restore(data_dir: Path, bucket: str, key: str, saved: dict[str, Any], *, earlier: list[Any]) -> Any:
    from moto.s3.models import FakeDeleteMarker

    modified = datetime.datetime.fromisoformat(saved["modified"])
    if saved.get("deleteMarker"):
        # moto's marker points at the version it hides; a marker first in the list hides nothing.
        marker = FakeDeleteMarker(earlier[-1] if earlier else _new_key(bucket, key, "null", b"", {}))
        marker._version_id = saved["id"]
        marker.last_modified = modified
        return marker
    restored = _new_key(bucket, key, saved["id"], _read_body(data_dir, saved["body"]), saved)
    restored.last_modified = modified
    restored._metadata.clear()
    restored.set_metadata(dict(saved["metadata"]))
    if saved["tags"]:
        tags = [{"Key": k, "Value": v} for k, v in saved["tags"].items()]
        _backend().tagger.tag_resource(restored.arn, tags)
    return restored


def _new_key(bucket: str, key: str, version: str, body: bytes, saved: dict[str, Any]) -> Any:
    from moto.s3.models import FakeKey

    return FakeKey(
        name=key,
        value=body,
        account_id=ACCOUNT_ID,
        region_name=_backend().region_name,  # what moto's put_object gives its keys
        bucket_name=bucket,
        storage=saved.get("storage"),
        etag=saved.get("etag"),
        is_versioned=version != "null",
        version_id=version,
    )


def _read_body(data_dir: Path, digest: str) -> bytes:
    path = data_dir / BODY_DIR / digest
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        raise S3StateError(f"{path}: an S3 object body named in moto.json is missing") from None
    if hashlib.sha256(body).hexdigest() != digest:
        raise S3StateError(f"{path}: this S3 object body does not match its name (SHA-256): it was changed")
    return body
