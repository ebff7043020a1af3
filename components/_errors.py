"""What a failed provider call shows under the engine: our message, not the Python SDK's traceback.

`python -m pulumi.dynamic` answers every exception of a provider method with
`traceback.format_exc()` as the gRPC error text (`_abort_with_traceback` in pulumi/dynamic/__main__.py,
SDK 3.272), and the engine prints that text. Inside that server our providers therefore raise
`ShownError` with `sys.tracebacklimit = 0`: format_exc then prints no frames, only `evalctl: <message>`.
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError
from pulumi.dynamic import ResourceProvider

from components._identity import IdentityError
from evalctl import aws

F = TypeVar("F", bound=Callable[..., Any])
METHODS = ("check", "diff", "create", "read", "update", "delete")
SERVER = "pulumi.dynamic.__main__"
# Errors of our own code, not of the service or the spec: their traceback is what a bug report needs.
BUGS = (AttributeError, LookupError, NameError, TypeError, AssertionError, ArithmeticError, RecursionError)


class UserError(RuntimeError):
    """A refusal whose message is complete for the user: which file and resource, and what to do."""


class ShownError(Exception):
    """The exception the dynamic server formats; its line reads `evalctl: <message>`."""

    # format_exception_only prints `<module>.<qualname>: <message>`, without the module when it is
    # "builtins": so the engine shows `error: evalctl: <message>`.
    __module__ = "builtins"
    __qualname__ = "evalctl"


def user_facing(exc: BaseException) -> bool:
    """Whether the message says everything: our refusals, and AWS errors not caused by a bug of ours."""
    if not isinstance(exc, UserError | aws.AwsError | IdentityError):
        return False
    seen: set[int] = set()
    cause = exc.__cause__
    while cause is not None and id(cause) not in seen:  # `raise exc from exc` makes a cycle
        if isinstance(cause, BUGS) and not isinstance(cause, BotoCoreError) and not aws.error_code(cause):
            return False
        seen.add(id(cause))
        cause = cause.__cause__
    return True


def shown_text(exc: BaseException) -> str:
    """The message alone when it is user-facing, else the message with its full traceback."""
    if user_facing(exc):
        return str(exc)
    # An explicit limit: sys.tracebacklimit is 0 in the server once any error was shown.
    return "".join(traceback.format_exception(exc, limit=sys.maxsize)).rstrip()


def in_dynamic_server() -> bool:
    """Whether this process is `python -m pulumi.dynamic` (direct calls in tests keep their exceptions)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) == SERVER


def message_only(method: F) -> F:
    """Wrap a provider method: in the dynamic server its failures leave as ShownError."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except ShownError:
            raise
        except Exception as exc:
            if not in_dynamic_server():
                raise
            sys.tracebacklimit = 0  # this process only serves providers; bugs carry their own traceback
            raise ShownError(shown_text(exc)) from None

    return call  # type: ignore[return-value]


class MessageOnlyProvider(ResourceProvider):
    """Base of our providers: the methods each subclass defines are wrapped by `message_only`."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in METHODS:
            if name in vars(cls):
                setattr(cls, name, message_only(vars(cls)[name]))
