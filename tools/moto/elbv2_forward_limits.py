"""ELBv2 forward actions within AWS's limits: weights 0–999 and at most 5 target groups per action.

An Application Load Balancer's weighted forward action (ForwardConfig) takes each target group's weight as a whole
number from 0 to 999 and at most 5 target groups; AWS answers anything else with a 400 ValidationError. moto 5.2
stores whatever it is given (weight 5000, ten target groups), so a traffic split that AWS would refuse passed in the
sandbox. This extension checks the actions of CreateListener, ModifyListener, CreateRule and ModifyRule (ELBv2's
query protocol: `Actions.member.N.ForwardConfig.TargetGroups.member.M.Weight`) before moto sees them, and answers
as AWS does when one is out of range; valid requests go to moto unchanged.
"""

import io
import re
from collections.abc import Iterable
from urllib.parse import parse_qs

from extensions import Environ, Extension, StartResponse, WsgiApp

MAX_WEIGHT = 999
MAX_TARGET_GROUPS_PER_ACTION = 5
_ACTIONS = {"CreateListener", "ModifyListener", "CreateRule", "ModifyRule"}
_TARGET_GROUP = re.compile(r"^(?:Default)?Actions\.member\.(\d+)\.ForwardConfig\.TargetGroups\.member\.(\d+)\.(\w+)$")


def _form(environ: Environ) -> tuple[bytes, dict[str, str]]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    # The body is read here, so moto gets a fresh stream with the same bytes.
    environ["wsgi.input"] = io.BytesIO(raw)
    fields = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
    return raw, fields


def _claims(environ: Environ) -> bool:
    if environ.get("REQUEST_METHOD") != "POST" or "/elasticloadbalancing/" not in environ.get("HTTP_AUTHORIZATION", ""):
        return False
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return False
    _, fields = _form(environ)
    return fields.get("Action") in _ACTIONS


def problem(fields: dict[str, str]) -> str | None:
    """What AWS refuses in the request's forward actions, in its own words; None when they are within limits."""
    groups: dict[str, set[str]] = {}
    for key, value in fields.items():
        match = _TARGET_GROUP.match(key)
        if not match:
            continue
        action, member, attribute = match.groups()
        groups.setdefault(action, set()).add(member)
        if attribute == "Weight":
            try:
                weight = int(value)
            except ValueError:
                return f"Value '{value}' at 'actions.{action}.member.forwardConfig.targetGroups.{member}.member.weight' must be a whole number"
            if weight < 0 or weight > MAX_WEIGHT:
                return (
                    f"1 validation error detected: Value '{weight}' at "
                    f"'actions.{action}.member.forwardConfig.targetGroups.{member}.member.weight' failed to satisfy "
                    f"constraint: Member must have value {'less than or equal to ' + str(MAX_WEIGHT) if weight > 0 else 'greater than or equal to 0'}"
                )
    for action, members in sorted(groups.items()):
        if len(members) > MAX_TARGET_GROUPS_PER_ACTION:
            return (
                f"A forward action can have at most {MAX_TARGET_GROUPS_PER_ACTION} target groups "
                f"(action {action} has {len(members)})"
            )
    return None


def _handle(app: WsgiApp, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    _, fields = _form(environ)
    message = problem(fields)
    if message is None:
        return app(environ, start_response)
    body = (
        '<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">'
        f"<Error><Type>Sender</Type><Code>ValidationError</Code><Message>{_xml(message)}</Message></Error>"
        "<RequestId>eksflow-emulator</RequestId></ErrorResponse>"
    ).encode()
    start_response("400 Bad Request", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
    return [body]


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


ELBV2_FORWARD_LIMITS = Extension(name="elbv2-forward-limits", why=__doc__ or "", claims=_claims, handle=_handle)
