"""InsightStore rules: one per stack (the Region has one store), and the API's encryption rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from evalctl.spec.diagnostics import Diagnostic

if TYPE_CHECKING:  # types only: importing spec.project would join the load/lint import cycle
    from evalctl.spec.project import Document, Project


def problem(doc: Document, pointer: str, message: str, code: str) -> Diagnostic:
    line, col = doc.at(pointer)
    return Diagnostic(doc.file, line, col, message, pointer, "error", code)


def settings(project: Project, doc: Document) -> Iterator[Diagnostic]:
    """A second InsightStore, and encryption settings UpdateAgentInsightStore would refuse."""
    first = next((d for d in project.documents if d.kind == "InsightStore"), doc)
    if first is not doc:
        where = f"{first.file}:{first.at('/metadata/name')[0]}"
        yield problem(
            doc,
            "/metadata/name",
            f"a second InsightStore (the first is '{first.name}' at {where}); the Region has one Agent "
            "Insight Store, declare it once",
            "insight-store-twice",
        )
    encryption = doc.spec.get("encryptionConfiguration")
    if not isinstance(encryption, dict):
        return
    mode, key = encryption.get("mode"), encryption.get("kmsKeyArn")
    # botocore's kmsKeyArn doc: "required when mode is CUSTOMER_MANAGED_KMS and cannot be specified
    # when mode is AWS_OWNED_KMS_KEY".
    if mode == "CUSTOMER_MANAGED_KMS" and not key:
        yield problem(
            doc, "/spec/encryptionConfiguration", "CUSTOMER_MANAGED_KMS needs kmsKeyArn", "insight-kms"
        )
    if mode == "AWS_OWNED_KMS_KEY" and key:
        yield problem(
            doc,
            "/spec/encryptionConfiguration/kmsKeyArn",
            "kmsKeyArn cannot be given with mode AWS_OWNED_KMS_KEY; use CUSTOMER_MANAGED_KMS or drop it",
            "insight-kms",
        )
    # The developer guide: an encryption change combines "only with enablementStatus set to ENABLED".
    if doc.spec.get("enablementStatus") == "DISABLED":
        yield problem(
            doc,
            "/spec/enablementStatus",
            "encryptionConfiguration needs enablementStatus ENABLED (the service refuses an encryption "
            "change on a disabled store); drop it or enable the store",
            "insight-kms",
        )
