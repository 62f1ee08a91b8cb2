"""A change counter for EKS, long-polled by the sandbox's cluster fleet instead of polling every cluster.

The sandbox keeps one Kubernetes control plane per EKS cluster and the Nodes of each node group
(local/sandbox/cluster-fleet.ts). It used to ask the emulator about every cluster and node group four times a
second, which was most of the emulator's CPU while clusters lived. Every EKS write (any request other than a
GET signed for EKS, and the sandbox's own /_eksflow/eks/ reports) now counts one change, and
GET /_eksflow/eks-changes?after=N&waitMs=M answers {"seq": S} as soon as the count S is above N, or after
M milliseconds (at most 30 s) with S unchanged. Only then does the fleet read the clusters again.

This is not an AWS API (EKS has no change feed): it is how the stand-in for EKS's control plane hears that
something changed, as the real one does from inside AWS.
"""

import threading
from collections.abc import Iterable
from urllib.parse import parse_qs

from extensions import Environ, StartResponse, WsgiApp
from wsgi_io import answer_json

CHANGES_PATH = "/_eksflow/eks-changes"
REPORTS_PREFIX = "/_eksflow/eks/"
MAX_WAIT_MS = 30000

_changed = threading.Condition()
_seq = 0


def _is_eks_write(environ: Environ) -> bool:
    if environ.get("REQUEST_METHOD") == "GET":
        return False
    # The SigV4 credential scope names the service: other services' REST paths may look alike.
    signed_for_eks = "/eks/aws4_request" in environ.get("HTTP_AUTHORIZATION", "")
    return signed_for_eks or environ.get("PATH_INFO", "").startswith(REPORTS_PREFIX)


def observe(app: WsgiApp) -> WsgiApp:
    """Wraps the emulator (extensions included): answers the long-poll, and counts each EKS write once answered."""

    def middleware(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        global _seq
        if environ.get("PATH_INFO") == CHANGES_PATH:
            return _wait(environ, start_response)
        if not _is_eks_write(environ):
            return app(environ, start_response)
        try:
            # moto and the extensions answer eagerly: the change is made when the app returns.
            return app(environ, start_response)
        finally:
            with _changed:
                _seq += 1
                _changed.notify_all()

    return middleware


def _wait(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    query = parse_qs(environ.get("QUERY_STRING", ""))
    after = int(query.get("after", ["0"])[0])
    wait_s = min(int(query.get("waitMs", ["0"])[0]), MAX_WAIT_MS) / 1000
    with _changed:
        _changed.wait_for(lambda: _seq > after, timeout=wait_s)
        seq = _seq
    return answer_json(start_response, "200 OK", {"seq": seq})
