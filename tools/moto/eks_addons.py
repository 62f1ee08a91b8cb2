"""EKS add-ons, access entries and cluster updates, which moto 5.2 lacks (its EKS has no such routes).

A small in-memory model of what real EKS answers, enough for eksflow's provisioning to run end to end:

- add-ons: Create/Describe/List/Update/DeleteAddon and DescribeAddonVersions. An add-on is CREATING (or
  UPDATING, DELETING) for a moment, then ACTIVE (or gone), as in EKS. Versions come from a small fixed
  catalogue; a version not compatible with the cluster's Kubernetes version is refused as EKS refuses it.
- access entries: Create/Describe/List/DeleteAccessEntry, Associate/Disassociate/ListAssociatedAccessPolicies;
  EKS's default username, and its reserved Kubernetes names refused (the sandbox's clusters authenticate with them).
- UpdateClusterConfig answers with an update (moto answers with the cluster), and DescribeUpdate knows those
  updates; a DescribeUpdate for an update id it did not issue goes on to the next extension, then moto.

Every call checks that the cluster exists by asking moto itself (DescribeCluster through the same app), and
state is dropped when the cluster it belongs to is gone or was re-created (EKS deletes both with the cluster).
"""

import json
import os
import re
import threading
import time
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, unquote

from wsgi_io import Environ, answer_json, call, read_json

# How long an add-on or access entry stays CREATING/UPDATING/DELETING: long enough for a client to see the
# transition and have to wait for it, short enough for tests. EKS takes tens of seconds.
TRANSITION_SECONDS = float(os.environ.get("EKSFLOW_EMULATOR_ADDON_TRANSITION_SECONDS", "1"))

ACCOUNT = "000000000000"

# (version, oldest and newest Kubernetes minor it supports): newest first, as DescribeAddonVersions lists them.
ADDON_CATALOGUE: dict[str, list[tuple[str, str, str]]] = {
    "vpc-cni": [("v1.20.0-eksbuild.1", "1.29", "1.34"), ("v1.19.2-eksbuild.1", "1.25", "1.33")],
    "coredns": [("v1.12.1-eksbuild.2", "1.32", "1.34"), ("v1.11.4-eksbuild.2", "1.25", "1.31")],
    "kube-proxy": [
        ("v1.34.0-eksbuild.1", "1.34", "1.34"),
        ("v1.33.0-eksbuild.2", "1.33", "1.33"),
        ("v1.32.3-eksbuild.7", "1.32", "1.32"),
        ("v1.31.7-eksbuild.7", "1.31", "1.31"),
        ("v1.30.9-eksbuild.3", "1.30", "1.30"),
        ("v1.29.13-eksbuild.3", "1.19", "1.29"),
    ],
    "aws-ebs-csi-driver": [("v1.44.0-eksbuild.1", "1.25", "1.34")],
    "metrics-server": [("v0.7.2-eksbuild.3", "1.25", "1.34")],
}

# Kubernetes names EKS keeps for itself (its own users and groups, the system's): refused in an access entry.
RESERVED_KUBE_PREFIXES = ("system:", "eks:", "aws:", "amazon:", "iam:")

_lock = threading.Lock()
# (region, cluster name) -> {"generation": cluster createdAt, "addons": {...}, "access": {...}}
_state: dict[tuple[str, str], dict[str, Any]] = {}
# update id -> update body (cluster config updates this extension issued)
_updates: dict[str, dict[str, Any]] = {}

_CLUSTER_PATH = re.compile(r"^/clusters/(?P<name>[^/]+)/(?P<rest>addons|access-entries|updates)(?P<tail>/.*)?$")
_UPDATE_CONFIG = re.compile(r"^/clusters/(?P<name>[^/]+)/update-config$")


def _is_eks(environ: Environ) -> bool:
    return "/eks/aws4_request" in environ.get("HTTP_AUTHORIZATION", "")


def _raw_path(environ: Environ) -> str:
    """The path as sent, still URL-encoded: a principal ARN is one segment whose "/" is sent as %2F."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
    return raw.split("?", 1)[0]


def claims(environ: Environ) -> bool:
    if not _is_eks(environ):
        return False
    path = _raw_path(environ)
    if path == "/addons/supported-versions":
        return True
    if _UPDATE_CONFIG.match(path) and environ.get("REQUEST_METHOD") == "POST":
        return True
    match = _CLUSTER_PATH.match(path)
    if not match:
        return False
    if match["rest"] == "updates":
        # Only updates we issued: a node-group update id is moto's (or another extension's) to answer.
        update_id = unquote((match["tail"] or "/").lstrip("/"))
        with _lock:
            return update_id in _updates
    return True


def _region(environ: Environ) -> str:
    found = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/eks/", environ.get("HTTP_AUTHORIZATION", ""))
    return found.group(1) if found else "us-east-1"


def _respond(start_response: Any, status: int, body: dict[str, Any]) -> Iterable[bytes]:
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict"}.get(status, "Error")
    return answer_json(start_response, f"{status} {reason}", body)


def _error(start_response: Any, status: int, code: str, message: str) -> Iterable[bytes]:
    # The REST-JSON error shape the SDK reads: the type in x-amzn-errortype, the message in the body.
    return answer_json(start_response, f"{status} Error", {"message": message}, [("x-amzn-errortype", code)])


def _call_moto(app: Any, environ: Environ, method: str, path: str, body: bytes = b"") -> tuple[int, dict[str, Any]]:
    """One request to moto through the same app (so the same account, region and state), read fully."""
    import io

    sub = dict(environ)
    sub.update(
        {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            # werkzeug's server also passes the raw request line, which moto routes by when present.
            "REQUEST_URI": path,
            "RAW_URI": path,
            "QUERY_STRING": "",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
    )
    status, _headers, text = call(app, sub)
    code = int(status.split(" ", 1)[0])
    try:
        return code, json.loads(text or b"{}")
    except ValueError:
        return code, {}


def _cluster_state(app: Any, environ: Environ, name: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The cluster as moto describes it and our state for it (reset when the cluster was re-created)."""
    status, body = _call_moto(app, environ, "GET", f"/clusters/{name}")
    cluster = body.get("cluster") if status == 200 else None
    key = (_region(environ), name)
    with _lock:
        if cluster is None:
            _state.pop(key, None)
            return None, None
        generation = str(cluster.get("createdAt"))
        state = _state.get(key)
        if state is None or state["generation"] != generation:
            state = {"generation": generation, "addons": {}, "access": {}}
            _state[key] = state
        return cluster, state


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def _supports(oldest: str, newest: str, kube_version: str) -> bool:
    return _minor(oldest) <= _minor(kube_version) <= _minor(newest)


def _compatible(addon: str, kube_version: str) -> list[str]:
    return [
        version
        for version, oldest, newest in ADDON_CATALOGUE.get(addon, [])
        if _supports(oldest, newest, kube_version)
    ]


def _settled(item: dict[str, Any]) -> dict[str, Any] | None:
    """Moves an item on from a transitional status once its time is up; None when its deletion is done."""
    if item["status"] in ("CREATING", "UPDATING") and time.time() >= item["_until"]:
        item["status"] = "ACTIVE"
    if item["status"] == "DELETING" and time.time() >= item["_until"]:
        return None
    return item


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}


def _addons(
    environ: Environ, start_response: Any, cluster: dict[str, Any], addons: dict[str, dict[str, Any]], parts: list[str]
) -> Iterable[bytes]:
    cluster_name = cluster["name"]
    method = environ["REQUEST_METHOD"]
    for name in list(addons):
        if _settled(addons[name]) is None:
            del addons[name]
    if method == "GET" and not parts:
        return _respond(start_response, 200, {"addons": sorted(addons)})
    if method == "POST" and not parts:
        body = read_json(environ)
        name = body.get("addonName", "")
        if name not in ADDON_CATALOGUE:
            return _error(start_response, 400, "InvalidParameterException", f"Addon {name} is not supported")
        compatible = _compatible(name, cluster["version"])
        version = body.get("addonVersion") or (compatible[0] if compatible else None)
        if version not in compatible:
            return _error(
                start_response,
                400,
                "InvalidParameterException",
                f"Addon version {version} of {name} is not compatible with Kubernetes {cluster['version']}",
            )
        if name in addons:
            return _error(start_response, 409, "ResourceInUseException", f"Addon already exists: {name}")
        addons[name] = {
            "addonName": name,
            "clusterName": cluster_name,
            "status": "CREATING",
            "addonVersion": version,
            "addonArn": f"arn:aws:eks:{_region(environ)}:{ACCOUNT}:addon/{cluster_name}/{name}/{uuid.uuid4()}",
            "createdAt": time.time(),
            "modifiedAt": time.time(),
            "health": {"issues": []},
            "tags": body.get("tags") or {},
            "_until": time.time() + TRANSITION_SECONDS,
            **({"configurationValues": body["configurationValues"]} if body.get("configurationValues") else {}),
        }
        return _respond(start_response, 200, {"addon": _public(addons[name])})
    name = parts[0] if parts else ""
    addon = addons.get(name)
    if addon is None:
        return _error(start_response, 404, "ResourceNotFoundException", f"No addon: {name} found in cluster")
    if method == "GET":
        return _respond(start_response, 200, {"addon": _public(addon)})
    if method == "DELETE":
        addon["status"] = "DELETING"
        addon["_until"] = time.time() + TRANSITION_SECONDS
        return _respond(start_response, 200, {"addon": _public(addon)})
    if method == "POST" and parts[1:] == ["update"]:
        body = read_json(environ)
        version = body.get("addonVersion") or addon["addonVersion"]
        if version not in _compatible(name, cluster["version"]):
            return _error(start_response, 400, "InvalidParameterException", f"Addon version {version} not compatible")
        if addon["status"] != "ACTIVE":
            return _error(start_response, 409, "ResourceInUseException", f"Addon {name} is {addon['status']}")
        addon.update(status="UPDATING", addonVersion=version, modifiedAt=time.time())
        addon["_until"] = time.time() + TRANSITION_SECONDS
        if "configurationValues" in body:
            addon["configurationValues"] = body["configurationValues"]
        update = _new_update("AddonUpdate", [{"type": "AddonVersion", "value": version}])
        return _respond(start_response, 200, {"update": update})
    return _error(start_response, 400, "InvalidRequestException", "unsupported add-on request")


def _access(
    environ: Environ, start_response: Any, cluster: dict[str, Any], entries: dict[str, dict[str, Any]], segments: list[str]
) -> Iterable[bytes]:
    cluster_name = cluster["name"]
    method = environ["REQUEST_METHOD"]
    if method == "GET" and not segments:
        return _respond(start_response, 200, {"accessEntries": sorted(entries)})
    if method == "POST" and not segments:
        body = read_json(environ)
        principal = body.get("principalArn", "")
        if not re.match(r"^arn:aws[a-z-]*:(iam|sts)::\d{12}:", principal):
            return _error(start_response, 400, "InvalidParameterException", "principalArn must be an IAM ARN")
        if principal in entries:
            return _error(start_response, 409, "ResourceInUseException", "The specified access entry resource is already in use on this cluster.")
        groups = body.get("kubernetesGroups") or []
        reserved = [name for name in [body.get("username") or "", *groups] if name.startswith(RESERVED_KUBE_PREFIXES)]
        if reserved:
            return _error(start_response, 400, "InvalidParameterException", f"{reserved[0]}: usernames and kubernetesGroups may not start with {', '.join(RESERVED_KUBE_PREFIXES)}")
        entries[principal] = {
            "clusterName": cluster_name,
            "principalArn": principal,
            "kubernetesGroups": groups,
            "accessEntryArn": f"arn:aws:eks:{_region(environ)}:{ACCOUNT}:access-entry/{cluster_name}/{uuid.uuid4()}",
            "createdAt": time.time(),
            "modifiedAt": time.time(),
            "tags": body.get("tags") or {},
            "username": body.get("username") or _default_username(principal),
            "type": body.get("type") or "STANDARD",
            "_policies": {},
        }
        return _respond(start_response, 200, {"accessEntry": _public(entries[principal])})
    principal = segments[0] if segments else ""
    entry = entries.get(principal)
    if entry is None:
        return _error(start_response, 404, "ResourceNotFoundException", f"The specified principalArn could not be found: {principal}")
    rest = segments[1:]
    if not rest and method == "GET":
        return _respond(start_response, 200, {"accessEntry": _public(entry)})
    if not rest and method == "DELETE":
        del entries[principal]
        return _respond(start_response, 200, {})
    if rest[:1] == ["access-policies"]:
        policies: dict[str, dict[str, Any]] = entry["_policies"]
        if method == "POST" and len(rest) == 1:
            body = read_json(environ)
            policy = body.get("policyArn", "")
            if not policy.startswith("arn:aws:eks::aws:cluster-access-policy/"):
                return _error(start_response, 400, "InvalidParameterException", "policyArn is not an access policy")
            scope = body.get("accessScope") or {"type": "cluster"}
            if scope.get("type") == "namespace" and not scope.get("namespaces"):
                return _error(start_response, 400, "InvalidParameterException", "namespaces are required for a namespace scope")
            policies[policy] = {"policyArn": policy, "accessScope": scope, "associatedAt": time.time(), "modifiedAt": time.time()}
            return _respond(
                start_response,
                200,
                {"clusterName": cluster_name, "principalArn": principal, "associatedAccessPolicy": policies[policy]},
            )
        if method == "GET" and len(rest) == 1:
            return _respond(
                start_response,
                200,
                {"clusterName": cluster_name, "principalArn": principal, "associatedAccessPolicies": list(policies.values())},
            )
        if method == "DELETE" and len(rest) == 2:
            policies.pop(rest[1], None)
            return _respond(start_response, 200, {})
    return _error(start_response, 400, "InvalidRequestException", "unsupported access entry request")


def _default_username(principal: str) -> str:
    """EKS's username for an entry that names none: a role's sessions by session name, a user by its ARN."""
    role = re.match(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/(?:.*/)?([^/]+)$", principal)
    if role:
        partition, account, name = role.groups()
        return f"arn:{partition}:sts::{account}:assumed-role/{name}/{{{{SessionName}}}}"
    return principal


def _new_update(kind: str, params: list[dict[str, str]]) -> dict[str, Any]:
    update = {"id": str(uuid.uuid4()), "status": "Successful", "type": kind, "params": params, "createdAt": time.time(), "errors": []}
    _updates[update["id"]] = update
    return update


def _update_config(app: Any, environ: Environ, start_response: Any, cluster_name: str) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    status, body = _call_moto(app, environ, "POST", f"/clusters/{cluster_name}/update-config", raw)
    if status != 200:
        return _error(start_response, 404, "ResourceNotFoundException", f"No cluster found for name: {cluster_name}.")
    params = [{"type": k, "value": json.dumps(v)} for k, v in json.loads(raw or b"{}").items() if k != "clientRequestToken"]
    with _lock:
        update = _new_update("ConfigUpdate", params)
    return _respond(start_response, 200, {"update": update})


def handle(app: Any, environ: Environ, start_response: Any) -> Iterable[bytes]:
    path = _raw_path(environ)
    if path == "/addons/supported-versions":
        query = parse_qs(environ.get("QUERY_STRING", ""))
        kube_version = (query.get("kubernetesVersion") or [None])[0]
        names = query.get("addonName") or sorted(ADDON_CATALOGUE)
        addons = [
            {
                "addonName": name,
                "type": "networking",
                "addonVersions": [
                    {"addonVersion": v, "compatibilities": [{"clusterVersion": kube_version or newest, "defaultVersion": i == 0}]}
                    for i, (v, oldest, newest) in enumerate(ADDON_CATALOGUE.get(name, []))
                    if kube_version is None or _supports(oldest, newest, kube_version)
                ],
            }
            for name in names
            if name in ADDON_CATALOGUE
        ]
        return _respond(start_response, 200, {"addons": addons})
    update_config = _UPDATE_CONFIG.match(path)
    if update_config:
        return _update_config(app, environ, start_response, unquote(update_config["name"]))
    match = _CLUSTER_PATH.match(path)
    assert match is not None  # claims() matched it
    name, rest, tail = unquote(match["name"]), match["rest"], match["tail"] or ""
    if rest in ("addons", "access-entries"):
        cluster, state = _cluster_state(app, environ, name)
        if cluster is None or state is None:
            return _error(start_response, 404, "ResourceNotFoundException", f"No cluster found for name: {name}.")
        # One URL-encoded segment each: an add-on's name, a principal ARN, a policy ARN after /access-policies/.
        segments = [unquote(p) for p in tail.split("/") if p]
        serve, key = (_addons, "addons") if rest == "addons" else (_access, "access")
        # A sub-resource request reads and writes its cluster's state: each one whole under the one lock.
        with _lock:
            return serve(environ, start_response, cluster, state[key], segments)
    with _lock:
        update = _updates[unquote(tail.lstrip("/"))]
    return _respond(start_response, 200, {"update": update})
