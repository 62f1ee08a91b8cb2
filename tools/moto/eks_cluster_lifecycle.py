"""EKS cluster lifecycle as in AWS, with a real Kubernetes API behind each cluster (the sandbox's).

moto 5.2 makes a cluster ACTIVE the moment CreateCluster returns, with a made-up endpoint and CA, and
DeleteCluster removes it at once. In EKS a cluster is CREATING for minutes and has no endpoint until it
is ACTIVE, and a deleted cluster is DELETING until its control plane is gone. eksflow's provisioning
waits on exactly those states, and its Kubernetes connector reaches a cluster through the endpoint and
CA that DescribeCluster returns, so the sandbox needs both to be true.

Once the sandbox has said it manages control planes (POST /_eksflow/eks/manage):
- CreateCluster leaves the cluster CREATING, without endpoint or CA;
- the sandbox starts a control plane for it and reports it (POST /_eksflow/eks/control-plane
  {"arn", "endpoint", "caData"}): the cluster becomes ACTIVE with that endpoint and CA;
- DeleteCluster (after moto's own checks, e.g. no node groups left) leaves the cluster DELETING; a
  repeated DeleteCluster answers DELETING again; the sandbox stops the control plane and reports it
  (POST /_eksflow/eks/deleted {"arn"}): the cluster is gone.
Without a manager (plain use of the emulator) moto's behaviour is unchanged.
"""

import json
import threading
from collections.abc import Iterable
from typing import Any

from extensions import Environ, Extension, StartResponse, WsgiApp
from moto.eks.models import eks_backends
from wsgi_io import answer_json, call, passthrough, read_json

INTERNAL_PREFIX = "/_eksflow/eks/"
CREATING = "CREATING"
DELETING = "DELETING"
ACTIVE = "ACTIVE"

_state_lock = threading.Lock()
_managed = threading.Event()


def _is_eks_request(environ: Environ) -> bool:
    # The SigV4 credential scope names the service: other services' REST paths may look alike.
    return "/eks/aws4_request" in environ.get("HTTP_AUTHORIZATION", "")


def _claims(environ: Environ) -> bool:
    path = environ.get("PATH_INFO", "")
    if path.startswith(INTERNAL_PREFIX):
        return True
    if not _managed.is_set() or not _is_eks_request(environ):
        return False
    method = environ.get("REQUEST_METHOD")
    segments = path.strip("/").split("/")
    create = method == "POST" and segments == ["clusters"]
    delete = method == "DELETE" and len(segments) == 2 and segments[0] == "clusters"
    return create or delete


def _cluster_by_arn(arn: str) -> Any:
    """The moto Cluster of an ARN `arn:aws:eks:REGION:ACCOUNT:cluster/NAME`, or None."""
    try:
        _, _, _, region, account, resource = arn.split(":", 5)
        name = resource.split("/", 1)[1]
    except (ValueError, IndexError):
        return None
    return eks_backends[account][region].clusters.get(name)


def _backend_of(cluster: Any) -> Any:
    _, _, _, region, account, _ = cluster.arn.split(":", 5)
    return eks_backends[account][region]


def _set_creating(cluster: Any) -> None:
    cluster.status = CREATING
    cluster.endpoint = None
    cluster.certificate_authority = {}


def _cluster_json(cluster: Any, moto_json: dict[str, Any]) -> dict[str, Any]:
    """moto's own answer for the cluster, with the lifecycle fields as they stand now."""
    patched = dict(moto_json)
    patched["status"] = cluster.status
    for field, value in (("endpoint", cluster.endpoint), ("certificateAuthority", cluster.certificate_authority)):
        if value:
            patched[field] = value
        else:
            patched.pop(field, None)
    return patched


def _create_cluster(app: WsgiApp, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    status, headers, body = call(app, environ)
    if not status.startswith("200"):
        return passthrough(start_response, status, headers, body)
    answer = json.loads(body)
    with _state_lock:
        cluster = _cluster_by_arn(answer["cluster"]["arn"])
        if cluster is not None:
            _set_creating(cluster)
            answer["cluster"] = _cluster_json(cluster, answer["cluster"])
    return answer_json(start_response, status, answer, headers)


def _delete_cluster(app: WsgiApp, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    name = environ.get("PATH_INFO", "").strip("/").split("/")[1]
    with _state_lock:
        # moto's delete_cluster pops the Cluster: keep the objects to put the deleted one back, DELETING,
        # until the sandbox has stopped its control plane.
        candidates = {c.arn: c for c in _clusters_named(name)}
        status, headers, body = call(app, environ)
        if not status.startswith("200"):
            return passthrough(start_response, status, headers, body)
        answer = json.loads(body)
        cluster = candidates.get(answer["cluster"]["arn"])
        if cluster is None:
            return passthrough(start_response, status, headers, body)
        backend = _backend_of(cluster)
        if backend.clusters.get(name) is not cluster:
            backend.clusters[name] = cluster
            backend.cluster_count += 1
        cluster.status = DELETING
        answer["cluster"] = _cluster_json(cluster, answer["cluster"])
    return answer_json(start_response, status, answer, headers)


def _clusters_named(name: str) -> list[Any]:
    """The clusters of that name in every account and region the emulator has seen."""
    return [
        backend.clusters[name]
        for regions in list(eks_backends.values())
        for backend in list(regions.values())
        if name in backend.clusters
    ]


def _internal(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    action = environ.get("PATH_INFO", "")[len(INTERNAL_PREFIX) :]
    if environ.get("REQUEST_METHOD") != "POST":
        return answer_json(start_response, "405 Method Not Allowed", {"error": "POST only"})
    body = read_json(environ)
    if action == "manage":
        _managed.set()
        return answer_json(start_response, "200 OK", {"managed": True})
    with _state_lock:
        cluster = _cluster_by_arn(str(body.get("arn", "")))
        if cluster is None:
            return answer_json(start_response, "404 Not Found", {"error": f"no cluster {body.get('arn')}"})
        if action == "control-plane":
            if cluster.status == DELETING:
                return answer_json(start_response, "409 Conflict", {"error": "cluster is DELETING"})
            cluster.endpoint = str(body["endpoint"])
            cluster.certificate_authority = {"data": str(body["caData"])}
            cluster.status = ACTIVE
            return answer_json(start_response, "200 OK", {"status": cluster.status})
        if action == "deleted":
            if cluster.status != DELETING:
                return answer_json(start_response, "409 Conflict", {"error": f"cluster is {cluster.status}"})
            backend = _backend_of(cluster)
            backend.clusters.pop(cluster.name, None)
            backend.cluster_count -= 1
            return answer_json(start_response, "200 OK", {"deleted": cluster.name})
    return answer_json(start_response, "404 Not Found", {"error": f"unknown action {action}"})


def _handle(app: WsgiApp, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    if environ.get("PATH_INFO", "").startswith(INTERNAL_PREFIX):
        return _internal(environ, start_response)
    if environ.get("REQUEST_METHOD") == "POST":
        return _create_cluster(app, environ, start_response)
    return _delete_cluster(app, environ, start_response)


EKS_CLUSTER_LIFECYCLE = Extension(
    name="eks-cluster-lifecycle",
    why=(
        "EKS clusters are CREATING until their control plane answers and DELETING until it is gone; "
        "DescribeCluster's endpoint and CA are the real control plane's. moto makes clusters ACTIVE at once "
        "with a made-up endpoint and deletes them at once. The sandbox runs one Kubernetes control plane per "
        "cluster and reports it here, so clients reach each cluster the AWS way."
    ),
    claims=_claims,
    handle=_handle,
)
