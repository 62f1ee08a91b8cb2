"""EKS node-group config updates that take time, and DescribeUpdate for them.

Real EKS answers UpdateNodegroupConfig with an update that is InProgress (the node group UPDATING) for a
while, then Successful; callers wait with DescribeUpdate. moto 5.2 applies the scaling config at once,
answers "Successful" straight away and has no DescribeUpdate, so a workflow's waiting was never exercised.

Here an update stays InProgress for a configurable time, then turns Successful and the node group ACTIVE:
- a node-group tag `eksflow.emulator/update-seconds` sets it for one group (tests choose their own speed
  without touching the shared emulator's other node groups);
- EKSFLOW_EMULATOR_NODEGROUP_UPDATE_SECONDS sets it for every other group;
- neither: 0, moto's own behaviour (Successful at once, the group stays ACTIVE), which code and tests that
  update node groups directly rely on; the update is still known to DescribeUpdate.
DescribeUpdate for an id this module did not issue falls through to the next handler (cluster and add-on
updates are someone else's).
"""

import json
import os
import re
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from extensions import Environ, Extension, StartResponse, WsgiApp
from wsgi_io import answer_json, call, passthrough

UPDATE_SECONDS_ENV = "EKSFLOW_EMULATOR_NODEGROUP_UPDATE_SECONDS"
UPDATE_SECONDS_TAG = "eksflow.emulator/update-seconds"
# Unless asked for, updates complete at once, as plain moto's do.
DEFAULT_UPDATE_SECONDS = 0.0

UPDATE_CONFIG_PATH = re.compile(r"^/clusters/(?P<cluster>[^/]+)/node-groups/(?P<nodegroup>[^/]+)/update-config$")
DESCRIBE_UPDATE_PATH = re.compile(r"^/clusters/(?P<cluster>[^/]+)/updates/(?P<update>[^/]+)$")
CREDENTIAL_SCOPE = re.compile(r"Credential=(?P<key>[^/]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/")


@dataclass
class NodegroupUpdate:
    id: str
    cluster: str
    nodegroup: str
    created_at: float
    done_at: float
    params: list[dict[str, str]] = field(default_factory=list)

    def status(self) -> str:
        return "Successful" if time.time() >= self.done_at else "InProgress"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status(),
            "type": "ConfigUpdate",
            "params": self.params,
            "createdAt": self.created_at,
            "errors": [],
        }


_updates: dict[str, NodegroupUpdate] = {}
_lock = threading.Lock()


def _scope(environ: Environ) -> re.Match[str] | None:
    return CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))


def claims(environ: Environ) -> bool:
    scope = _scope(environ)
    if scope is None or scope["service"] != "eks":
        return False
    path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD")
    if method == "POST" and UPDATE_CONFIG_PATH.match(path):
        return True
    if method == "GET" and (match := DESCRIBE_UPDATE_PATH.match(path)):
        with _lock:
            return match["update"] in _updates
    return False


def _nodegroup(environ: Environ, cluster: str, nodegroup: str) -> Any:
    from moto.eks.models import eks_backends
    from moto.iam.models import get_account_id_from

    scope = _scope(environ)
    assert scope is not None
    account = os.environ.get("MOTO_ACCOUNT_ID") or get_account_id_from(scope["key"])
    backend = eks_backends[account][scope["region"]]
    return backend.clusters[cluster].nodegroups[nodegroup]


def _update_seconds(nodegroup: Any) -> float:
    tagged = (getattr(nodegroup, "tags", None) or {}).get(UPDATE_SECONDS_TAG)
    value = tagged if tagged is not None else os.environ.get(UPDATE_SECONDS_ENV)
    try:
        return max(0.0, float(value)) if value is not None else DEFAULT_UPDATE_SECONDS
    except ValueError:
        return DEFAULT_UPDATE_SECONDS


def _finish_later(update: NodegroupUpdate, nodegroup: Any) -> None:
    """The node group goes back to ACTIVE when its last update completes."""

    def finish() -> None:
        with _lock:
            pending = [u for u in _updates.values() if u.nodegroup == update.nodegroup and u.status() != "Successful"]
            if not pending and nodegroup.status == "UPDATING":
                nodegroup.status = "ACTIVE"

    timer = threading.Timer(max(0.0, update.done_at - time.time()) + 0.01, finish)
    timer.daemon = True
    timer.start()


def handle(app: WsgiApp, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if (match := DESCRIBE_UPDATE_PATH.match(path)) is not None:
        with _lock:
            update = _updates.get(match["update"])
        if update is None or update.cluster != match["cluster"]:
            return app(environ, start_response)
        return answer_json(start_response, "200 OK", {"update": update.as_json()})

    match = UPDATE_CONFIG_PATH.match(path)
    assert match is not None
    try:
        nodegroup = _nodegroup(environ, match["cluster"], match["nodegroup"])
    except KeyError:
        return app(environ, start_response)  # moto answers the ResourceNotFoundException
    if nodegroup.status == "UPDATING":
        # Real EKS refuses a second update while one is in progress.
        return answer_json(
            start_response,
            "409 Conflict",
            {"message": f"Nodegroup {match['nodegroup']} is currently UPDATING", "__type": "ResourceInUseException"},
        )
    status, headers, body = call(app, environ)
    if not status.startswith("200"):
        return passthrough(start_response, status, headers, body)
    moto_update = json.loads(body)["update"]
    now = time.time()
    update = NodegroupUpdate(
        id=moto_update.get("id") or str(uuid.uuid4()),
        cluster=match["cluster"],
        nodegroup=match["nodegroup"],
        created_at=now,
        done_at=now + _update_seconds(nodegroup),
        params=moto_update.get("params", []),
    )
    with _lock:
        _updates[update.id] = update
        if update.status() == "InProgress":
            nodegroup.status = "UPDATING"
    if update.status() == "InProgress":
        _finish_later(update, nodegroup)
    return answer_json(start_response, "200 OK", {"update": update.as_json()})


EKS_NODEGROUP_UPDATES = Extension(
    name="eks-nodegroup-updates",
    why=(
        "Real EKS node-group config updates are InProgress (the group UPDATING) for minutes, then Successful, "
        "and callers wait with DescribeUpdate. moto 5.2 applies the scaling config at once, answers "
        "Successful and has no DescribeUpdate, so a scaling workflow's waiting was never exercised."
    ),
    claims=claims,
    handle=handle,
)
