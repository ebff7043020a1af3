"""Examples kept in an S3 JSONL object: read and checked before the service is asked to read them."""

from __future__ import annotations

from typing import Any

from evalctl import datasets

FIELD = "s3Source.s3Uri"
SHOWN = 5  # problems listed in one message; the rest are counted
# Marks, in refreshed state only, an S3 dataset whose DRAFT is not its last whole read of the object.
UNREAD = "draftModified"


# S3's answers when the caller may not read the object: the fix is a grant, not a new object.
DENIED = frozenset({"AccessDenied", "AllAccessDisabled", "InvalidObjectState"})


class ObjectError(Exception):
    """The object cannot be read, or holds examples the service would refuse; nothing was sent yet."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


def split_uri(uri: str) -> tuple[str, str]:
    """`s3://bucket/key` as (bucket, key)."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def read(s3: Any, uri: str) -> str:
    """The object's text through GetObject, or ObjectError naming the S3 error (missing, denied)."""
    bucket, key = split_uri(uri)
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as exc:
        error = (getattr(exc, "response", None) or {}).get("Error", {})
        if not error:
            raise  # no S3 answer (endpoint, credentials): the caller's usual error handling applies
        code = str(error.get("Code", ""))
        raise ObjectError(f"cannot be read: {code}: {error.get('Message', '')}", code) from exc
    return bytes(body).decode("utf-8", "replace")


def problems(text: str, uri: str, schema_type: str) -> list[str]:
    """What the lint would say of these lines as a scenario file (`uri:line: message`), plus an empty
    object or more than a dataset batch runs."""
    found, bad = datasets.jsonl_text(text, uri)
    bad += datasets.check(found, schema_type)
    out = [f"{d.file}:{d.line}: {d.message}" for d in sorted(bad, key=lambda d: (d.line, d.column))]
    if not found and not bad:
        out.append(f"{uri}: holds no examples (a dataset needs at least one scenario)")
    if len(found) > datasets.MAX_SCENARIOS:
        out.append(f"{uri}: {len(found)} examples; a dataset batch runs at most {datasets.MAX_SCENARIOS}")
    return out


def checked(s3: Any, uri: str, schema_type: str) -> None:
    """Read the object and check its examples; ObjectError listing what is wrong."""
    found = problems(read(s3, uri), uri, schema_type)
    if found:
        more = f"; and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
        raise ObjectError(f"holds invalid examples: {'; '.join(found[:SHOWN])}{more}")


def message(exc: ObjectError, uri: str, resource: str, source_file: str, existing: bool) -> str:
    """The whole error: spec file, resource, member, object, what is wrong and what to do."""
    kept = "its examples were not changed" if existing else "nothing was created"
    fix = (
        f"grant the deploying identity s3:GetObject on {uri} (the `ciDeployer` grant does)"
        if exc.code in DENIED
        else "upload a valid JSONL object there (one scenario per line, checked as `evalctl validate` "
        f"checks scenario files) or point `{FIELD}` at one"
    )
    return (
        f"{source_file}: {resource}: `{FIELD}` {uri} {exc}. Nothing was sent to AgentCore ({kept}). "
        f"To fix: {fix}, then run `pulumi up` again"
    )


def unread(detail: dict[str, Any]) -> bool:
    """Whether a published S3 dataset (GetDataset `detail`) has a DRAFT that differs from its latest
    version (`draftStatus` MODIFIED: "DRAFT has unpublished changes"). Each read of the object ends with a
    version, so this is a read cut short (a crash between the delete of the examples and the add) or an
    edit outside the stack: the object must be read again, even with the state's `revision` in the spec."""
    return detail.get("status") == "ACTIVE" and detail.get("draftStatus") == "MODIFIED"
