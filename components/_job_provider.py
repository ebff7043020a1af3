"""What the job kinds' providers (BatchEvaluation, Recommendation) share: data-plane clients, kept
inputs and errors that name the spec file and the job."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi.dynamic import ReadResult

from components import _identity
from components import _props as shared
from components import _provider as base
from evalctl import aws


def picked(props: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The members of `props` named in `keys` that have a value."""
    return {k: props[k] for k in keys if props.get(k) is not None}


class JobProvider(base.AgentCoreProvider):
    """A provider of a job on the data plane; subclasses say what their resource is called."""

    kind_label = "job"
    noun = "job"  # in "could not read the <noun>"

    def data(self) -> Any:
        """A fresh data-plane client: never kept on the provider, so the provider always pickles."""
        return _identity.client(aws.DATA, self.client_settings(), self.identity())

    def job_name(self, props: dict[str, Any]) -> str:
        """The name a user recognises the job by in error messages."""
        return "?"

    def _failure(self, exc: BaseException, props: dict[str, Any], action: str) -> aws.AwsError:
        """Any exception as an AwsError naming the spec file, the job and what could not be done."""
        resource = f"{self.kind_label} {self.job_name(props)} (could not {action})"
        return aws.AwsError(
            aws.describe_error(exc, resource, str(props.get(shared.SOURCE, "?"))), aws.error_code(exc)
        )

    def read_job(
        self,
        id_: str,
        props: dict[str, Any],
        fetch: Callable[[], Any],
        outs_of: Callable[[Any], dict[str, Any]],
    ) -> ReadResult:
        """Refresh: the job's outputs, or gone when it is not found or DELETING (deleted outside Pulumi)."""
        try:
            job = fetch()
        except Exception as exc:
            if base.is_not_found(exc):
                return ReadResult(None, {})
            raise self._failure(exc, props, f"read the {self.noun}") from exc
        if job["status"] == "DELETING":
            return ReadResult(None, {})
        return ReadResult(id_, outs_of(job))
