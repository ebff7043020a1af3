"""Named API errors, each carrying the AWS error code and the status of its error shape."""

from __future__ import annotations


class ApiError(Exception):
    """An error answered to the client as `x-amzn-ErrorType: <code>` with a JSON message."""

    code = "InternalServerException"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(ApiError):
    code = "ValidationException"
    status = 400


class ConflictError(ApiError):
    code = "ConflictException"
    status = 409


class NotFoundError(ApiError):
    code = "ResourceNotFoundException"
    status = 404


class UnknownOperationError(ApiError):
    """No operation of the service has this method and path (AWS answers 404 too)."""

    code = "UnknownOperationException"
    status = 404


class ThrottlingError(ApiError):
    code = "ThrottlingException"
    status = 429


class QuotaError(ApiError):
    code = "ServiceQuotaExceededException"
    status = 402


class InternalError(ApiError):
    code = "InternalServerException"
    status = 500
