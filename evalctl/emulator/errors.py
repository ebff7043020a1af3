"""Named API errors, each carrying the AWS error code and the status of its error shape."""

from __future__ import annotations


class ApiError(Exception):
    """An error answered to the client as `x-amzn-ErrorType: <code>` with a JSON message."""

    code = "InternalServerException"
    status = 500

    def __init_subclass__(cls, code: str = "", status: int = 0, **kwargs: object) -> None:
        """A subclass names its AWS error code and HTTP status in its class line."""
        super().__init_subclass__(**kwargs)
        cls.code = code or cls.code
        cls.status = status or cls.status

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(ApiError, code="ValidationException", status=400):
    """The request breaks a constraint of the service model or a documented rule."""


class ConflictError(ApiError, code="ConflictException", status=409):
    """The resource exists already, or its state does not allow the call."""


class NotFoundError(ApiError, code="ResourceNotFoundException", status=404):
    """No resource has this id or name."""


class UnknownOperationError(ApiError, code="UnknownOperationException", status=404):
    """No operation of the service has this method and path (AWS answers 404 too)."""


class ThrottlingError(ApiError, code="ThrottlingException", status=429):
    """Too many requests (injected by the fault settings)."""


class QuotaError(ApiError, code="ServiceQuotaExceededException", status=402):
    """A per-account quota would be exceeded."""


class InternalError(ApiError, code="InternalServerException", status=500):
    """The service failed (injected by the fault settings, or an unexpected error)."""
