"""What eksflow's AWS emulator does differently from plain moto: the one marked place for it.

Each extension names the requests it takes over and why real AWS behaves that way. The middleware
routes every request to the first extension that claims it and leaves all others to moto untouched.
Add an extension here (and a line in README.md) rather than patching moto anywhere else.
"""

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import wsgi_io

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class Extension:
    name: str
    why: str
    claims: Callable[[Environ], bool]
    handle: Callable[[WsgiApp, Environ, StartResponse], Iterable[bytes]]


# DynamoDB's JSON protocol names the operation in this header, e.g. "DynamoDB_20120810.TransactWriteItems".
DYNAMODB_TARGET_PREFIX = "DynamoDB_20120810."

# One lock for every DynamoDB request, whatever the table: a transaction may span tables.
_dynamodb_lock = threading.Lock()


def _is_dynamodb(environ: Environ) -> bool:
    return environ.get("HTTP_X_AMZ_TARGET", "").startswith(DYNAMODB_TARGET_PREFIX)


def _serialized(app: WsgiApp, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    with _dynamodb_lock:
        # Read the whole answer under the lock: a WSGI app may do its work lazily while it is iterated.
        status, headers, body = wsgi_io.call(app, environ)
    return wsgi_io.passthrough(start_response, status, headers, body)


SERIALIZED_DYNAMODB = Extension(
    name="serialized-dynamodb",
    why=(
        "Real DynamoDB transactions are atomic and isolated. moto 5.2's TransactWriteItems applies its items "
        "one by one and, when a condition fails, restores a copy of the whole table taken before it began; "
        "under the threaded server a concurrent request's writes then vanish, or a cancelled transaction's "
        "survive, and reads see half-applied transactions. Running one DynamoDB request at a time is the "
        "simplest model that keeps the guarantees (the emulator is not a benchmark of DynamoDB throughput)."
    ),
    claims=_is_dynamodb,
    handle=_serialized,
)

# The extension modules import Extension from here: imported after it is defined.
import eks_addons  # noqa: E402  (next to this file, like this module)
from eks_cluster_lifecycle import EKS_CLUSTER_LIFECYCLE  # noqa: E402
from eks_nodegroup_updates import EKS_NODEGROUP_UPDATES  # noqa: E402
from sts_presigned import STS_PRESIGNED  # noqa: E402
from elbv2_forward_limits import ELBV2_FORWARD_LIMITS  # noqa: E402
import dynamodb_item_rollback  # noqa: E402

# Under serialized-dynamodb's lock, a transaction backs up the items it touches, not its whole tables.
dynamodb_item_rollback.install()

EKS_ADDONS_AND_ACCESS = Extension(
    name="eks-addons-access", why=eks_addons.__doc__ or "", claims=eks_addons.claims, handle=eks_addons.handle
)

# Everything eksflow emulates itself, first match wins. Keep README.md's list in step with this one.
EXTENSIONS: tuple[Extension, ...] = (
    SERIALIZED_DYNAMODB,
    EKS_CLUSTER_LIFECYCLE,
    EKS_ADDONS_AND_ACCESS,
    EKS_NODEGROUP_UPDATES,
    STS_PRESIGNED,
    ELBV2_FORWARD_LIMITS,
)


def with_extensions(app: WsgiApp, extensions: tuple[Extension, ...] = EXTENSIONS) -> WsgiApp:
    """Wraps moto's WSGI app so that each request claimed by an extension goes through it."""

    def middleware(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        for extension in extensions:
            if extension.claims(environ):
                return extension.handle(app, environ, start_response)
        return app(environ, start_response)

    return middleware
