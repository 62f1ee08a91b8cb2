"""Change counters, long-polled by the sandbox instead of polling the emulator.

Two parts of the sandbox stand in for AWS machinery that hears of a change from inside AWS:
 - the cluster fleet (local/sandbox/cluster-fleet.ts), for EKS's control plane. It used to ask the emulator
   about every cluster and node group four times a second, which was most of the emulator's CPU while
   clusters lived;
 - the alarm bridge (local/sandbox/alarm-bridge.ts), for CloudWatch's alarm events to EventBridge. It read
   every alarm every 200 ms (every second in tests, where each test file's bridge reads every alarm of its
   worker's emulator, hundreds once alarm-storm has run).

Each feed counts its service's writes, once answered: GET /_eksflow/changes/<feed>?after=N&waitMs=M answers
{"seq": S} as soon as the count S is above N, or after M milliseconds (at most 30 s) with S unchanged. Only then
does the reader look again.
 - eks: every request signed for EKS other than a GET, and the sandbox's own /_eksflow/eks/ reports;
 - cloudwatch: every request signed for CloudWatch other than a read (Describe*, Get*, List*). Alarms change
   state only through such a write: moto evaluates no alarm against its metrics.

This is not an AWS API (neither service has a change feed).
"""

import threading
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs

from extensions import Environ, StartResponse, WsgiApp
from wsgi_io import answer_json

CHANGES_PREFIX = "/_eksflow/changes/"
EKS_REPORTS_PREFIX = "/_eksflow/eks/"
MAX_WAIT_MS = 30000
READ_ACTIONS = ("Describe", "Get", "List")


def _signed_for(environ: Environ, service: str) -> bool:
    # The SigV4 credential scope names the service: other services' REST paths may look alike.
    return f"/{service}/aws4_request" in environ.get("HTTP_AUTHORIZATION", "")


def _is_eks_write(environ: Environ) -> bool:
    if environ.get("REQUEST_METHOD") == "GET":
        return False
    return _signed_for(environ, "eks") or environ.get("PATH_INFO", "").startswith(EKS_REPORTS_PREFIX)


def _is_cloudwatch_write(environ: Environ) -> bool:
    if not _signed_for(environ, "monitoring"):
        return False
    # The SDK's JSON protocol names the action in X-Amz-Target; a request without one (the query protocol, whose
    # action is in the body) counts as a write: a needless look costs one read, a missed one an alarm event.
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    action = target.rsplit(".", 1)[-1]
    return not (target and action.startswith(READ_ACTIONS))


class _Feed:
    def __init__(self, is_write: Callable[[Environ], bool]) -> None:
        self.is_write = is_write
        self.changed = threading.Condition()
        self.seq = 0

    def count(self) -> None:
        with self.changed:
            self.seq += 1
            self.changed.notify_all()

    def wait(self, after: int, wait_s: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.seq > after, timeout=wait_s)
            return self.seq


FEEDS = {"eks": _Feed(_is_eks_write), "cloudwatch": _Feed(_is_cloudwatch_write)}


def observe(app: WsgiApp) -> WsgiApp:
    """Wraps the emulator (extensions included): answers the long-polls, and counts each write once answered."""

    def middleware(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(CHANGES_PREFIX):
            return _wait(path.removeprefix(CHANGES_PREFIX), environ, start_response)
        feeds = [feed for feed in FEEDS.values() if feed.is_write(environ)]
        if not feeds:
            return app(environ, start_response)
        try:
            # moto and the extensions answer eagerly: the change is made when the app returns.
            return app(environ, start_response)
        finally:
            for feed in feeds:
                feed.count()

    return middleware


def _wait(name: str, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    feed = FEEDS.get(name)
    if feed is None:
        return answer_json(start_response, "404 Not Found", {"message": f"no change feed {name!r}: {sorted(FEEDS)}"})
    query = parse_qs(environ.get("QUERY_STRING", ""))
    after = int(query.get("after", ["0"])[0])
    wait_s = min(int(query.get("waitMs", ["0"])[0]), MAX_WAIT_MS) / 1000
    return answer_json(start_response, "200 OK", {"seq": feed.wait(after, wait_s)})
