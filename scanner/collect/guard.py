"""Read-only by construction: refuse any AWS operation that could change state.

The hook is registered first on every client the scanner builds, on
botocore's ``before-parameter-build`` event (the earliest per-operation event,
before validation, serialisation, signing and sending) and again on
``before-call``: a refused operation never leaves the process.  ``is_read_only`` is the
single allow-list predicate; tests walk every operation the collectors declare
through it.
"""

from __future__ import annotations

from typing import Any

READ_PREFIXES = ("Describe", "List", "Get")
# Needed to assume roles in other accounts and to learn who we are.
ALLOWED_EXTRA = frozenset({("sts", "AssumeRole"), ("sts", "GetCallerIdentity")})
# Get* operations that hand out secret material or change state despite the
# prefix: a scanner has no business calling them.
DENIED = frozenset(
    {
        ("secretsmanager", "GetSecretValue"),
        ("secretsmanager", "GetRandomPassword"),
        ("kms", "GetParametersForImport"),
        ("rds", "GenerateDbAuthToken"),
        ("ec2", "GetPasswordData"),  # the encrypted Windows administrator password
    }
)
# STS reads hand out credentials or tokens (GetSessionToken, GetFederationToken,
# GetWebIdentityToken, GetDelegatedAccessToken, ...): only ALLOWED_EXTRA passes.
STRICT_SERVICES = frozenset({"sts"})


class MutatingCallRefused(RuntimeError):
    """Raised instead of sending a request that is not read-only."""

    def __init__(self, service: str, operation: str) -> None:
        self.service = service
        self.operation = operation
        super().__init__(
            f"aurora-scan is read-only: refused {service}:{operation} before sending it"
        )


def is_read_only(service: str, operation: str) -> bool:
    """True when ``service:operation`` (API names, e.g. rds, DescribeDBClusters) may be called."""
    if (service, operation) in DENIED:
        return False
    if (service, operation) in ALLOWED_EXTRA:
        return True
    if service in STRICT_SERVICES:
        return False
    return operation.startswith(READ_PREFIXES)


def _service_name(model: Any) -> str:
    # endpointPrefix is what IAM and the allow-list use ("rds", "ec2", "kms").
    meta = model.service_model.metadata
    return str(meta.get("signingName") or meta.get("endpointPrefix") or "")


def refuse_mutating_call(model: Any, **kwargs: Any) -> None:
    """botocore event handler: raise before anything is built or sent."""
    service = _service_name(model)
    if not is_read_only(service, model.name):
        raise MutatingCallRefused(service, model.name)


def install(client: Any) -> Any:
    """Register the guard first on ``client``'s events; returns the client."""
    client.meta.events.register_first("before-parameter-build.*.*", refuse_mutating_call)
    client.meta.events.register_first("before-call.*.*", refuse_mutating_call)
    return client
