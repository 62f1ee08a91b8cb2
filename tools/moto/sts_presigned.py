"""STS calls authenticated by a presigned URL (SigV4 in the query string), as EKS tokens carry them.

An EKS bearer token is a presigned STS GetCallerIdentity URL; aws-iam-authenticator sends it to STS as a plain
GET, and STS names the caller from the query string's X-Amz-Credential. moto 5.2 routes and identifies callers by
the Authorization header only: a presigned GET reaches no service, and its caller would be moto's default user.
Here such a request gets the Authorization header its query string stands for (same credential, signed headers
and signature; the query keeps them too), so moto answers as STS does: the assumed role's or user's ARN for
credentials moto issued (IAM CreateAccessKey, STS AssumeRole). moto checks no signature either way.
"""

from collections.abc import Iterable
from urllib.parse import parse_qs

from extensions import Environ, Extension, StartResponse, WsgiApp


def _query(environ: Environ) -> dict[str, str]:
    return {k.lower(): v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}


def _claims(environ: Environ) -> bool:
    if environ.get("HTTP_AUTHORIZATION"):
        return False
    query = _query(environ)
    return "/sts/aws4_request" in query.get("x-amz-credential", "") and "x-amz-signature" in query


def _handle(app: WsgiApp, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    query = _query(environ)
    sub = dict(environ)
    sub["HTTP_AUTHORIZATION"] = (
        f"{query.get('x-amz-algorithm', 'AWS4-HMAC-SHA256')} Credential={query['x-amz-credential']}, "
        f"SignedHeaders={query.get('x-amz-signedheaders', 'host')}, Signature={query['x-amz-signature']}"
    )
    return app(sub, start_response)


STS_PRESIGNED = Extension(name="sts-presigned", why=__doc__ or "", claims=_claims, handle=_handle)
