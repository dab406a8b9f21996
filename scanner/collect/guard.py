"""Read-only by construction: refuse any AWS operation the scanner does not make.

The hook is registered first on every client the scanner builds, on
botocore's ``before-parameter-build`` event (the earliest per-operation event,
before validation, serialisation, signing and sending) and again on
``before-call``: a refused operation never leaves the process.

``verdict`` is the single predicate, in two layers:

1. ``SECRET_READS``: operations that hand out secret material (passwords,
   keys, decrypted data, user data, logs, credentials) are refused *by name*,
   with the reason, whatever else is allowed: even if a collector were changed
   to call one, it would fail here instead of copying secrets into snapshots.
2. An exact allow-list: the operations the collectors declare
   (``registry.all_operations()``) and the runner's own identity, region,
   organisation and role calls.  Every other operation, read or write, is
   refused.  (Before issue 14 any Describe*/List*/Get* passed.)

``tests/security/test_sec_guard_denylist.py`` walks every botocore operation
of every service used through ``verdict``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.collect import registry
from scanner.resource_types import TYPES
from scanner.typeinfo import ResourceType

# Every operation the allow-list admits starts with one of these, except ALLOWED_EXTRA.
READ_PREFIXES = ("Describe", "List", "Get")
# Needed to assume roles in other accounts (--accounts, --org) and to learn who we are.
ALLOWED_EXTRA = frozenset({("sts", "AssumeRole"), ("sts", "GetCallerIdentity")})

_USER_DATA = (
    "returns instance user data, which often carries bootstrap passwords and keys "
    "(EC2 User Guide, 'Run commands when you launch an EC2 instance with user data input')"
)
_KMS_KEY = "a cryptographic operation under a customer key, not a read"
_STS = "hands out temporary credentials; only AssumeRole (for --accounts/--org) is needed"
_SSM = (
    "returns a parameter's Value, decrypted SecureString secrets with WithDecryption "
    "(botocore ssm model: Parameter.Value is sensitive)"
)

# (service, operation) -> why the scanner must never call it.  The member
# names are botocore's (botocore/data/<service>/*/service-2.json).
SECRET_READS: dict[tuple[str, str], str] = {
    ("ec2", "DescribeVpnConnections"): (
        "returns each tunnel's pre-shared key (TunnelOptions[].PreSharedKey) and the "
        "customer gateway configuration that contains them"
    ),
    ("ec2", "GetVpnConnectionDeviceSampleConfiguration"): (
        "returns the customer gateway device configuration, with the tunnels' pre-shared keys"
    ),
    ("ec2", "GetLaunchTemplateData"): _USER_DATA,
    ("ec2", "DescribeLaunchTemplateVersions"): _USER_DATA,
    ("ec2", "DescribeInstanceAttribute"): _USER_DATA + " (attribute userData)",
    ("ec2", "DescribeSpotInstanceRequests"): _USER_DATA,
    ("ec2", "DescribeSpotFleetRequests"): _USER_DATA,
    ("ec2", "GetConsoleOutput"): (
        "returns the instance console output (boot and cloud-init logs, which may print "
        "generated passwords and keys)"
    ),
    ("ec2", "GetConsoleScreenshot"): "returns a screenshot of the instance console",
    ("ec2", "GetPasswordData"): "returns the encrypted Windows administrator password",
    ("ec2", "DescribeVerifiedAccessTrustProviders"): (
        "returns OIDC client secrets (OidcOptions.ClientSecret)"
    ),
    ("ec2", "DescribeBundleTasks"): (
        "returns signed S3 upload policies (Storage.S3.UploadPolicySignature)"
    ),
    ("secretsmanager", "GetSecretValue"): "returns the decrypted secret (SecretString)",
    ("secretsmanager", "BatchGetSecretValue"): "returns decrypted secrets (SecretValues)",
    ("secretsmanager", "GetRandomPassword"): "generates a password (RandomPassword)",
    ("kms", "Decrypt"): "returns decrypted data (Plaintext)",
    ("kms", "GenerateDataKey"): "returns a plaintext data key (Plaintext)",
    ("kms", "GenerateDataKeyPair"): "returns a plaintext private key (PrivateKeyPlaintext)",
    ("kms", "GenerateDataKeyWithoutPlaintext"): (
        "creates a data key that kms:Decrypt turns into key material: " + _KMS_KEY
    ),
    ("kms", "GenerateDataKeyPairWithoutPlaintext"): (
        "creates a key pair whose private key kms:Decrypt reveals: " + _KMS_KEY
    ),
    ("kms", "GenerateRandom"): "returns random key material (Plaintext)",
    ("kms", "DeriveSharedSecret"): "returns a derived shared secret (SharedSecret)",
    ("kms", "Decapsulate"): "returns a plaintext shared secret (SharedSecret)",
    ("kms", "Encapsulate"): "returns a plaintext shared secret (SharedSecret)",
    ("kms", "GetParametersForImport"): (
        "returns an import token and wrapping key for replacing key material"
    ),
    ("rds", "DownloadDBLogFilePortion"): (
        "returns database log contents (LogFileData), where statements that set "
        "passwords are written out"
    ),
    ("ssm", "GetParameter"): _SSM,
    ("ssm", "GetParameters"): _SSM,
    ("ssm", "GetParametersByPath"): _SSM,
    ("ssm", "GetParameterHistory"): _SSM,
    ("ssm", "GetAccessToken"): "returns temporary credentials (Credentials)",
    ("sts", "GetSessionToken"): _STS,
    ("sts", "GetFederationToken"): _STS,
    ("sts", "AssumeRoleWithSAML"): _STS,
    ("sts", "AssumeRoleWithWebIdentity"): _STS,
    ("sts", "AssumeRoot"): _STS,
    ("sts", "GetDelegatedAccessToken"): _STS,
    ("sts", "GetScopedCredentials"): _STS,
    ("sts", "GetWebIdentityToken"): "hands out a web identity token",
}

NOT_NEEDED = "not an operation the scanner makes (the allow-list is the collectors' operations)"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str
    by_name: bool = False  # refused by SECRET_READS, not only by the allow-list


def _allowed_operations(types: tuple[ResourceType, ...]) -> frozenset[tuple[str, str]]:
    del types  # registry.all_operations reads the same declarations
    extra = (
        *registry.IDENTITY_ACTIONS,
        *registry.ALL_REGIONS_ACTIONS,
        *registry.ORG_ACTIONS,
        *registry.ASSUME_ROLE_ACTIONS,
    )
    ops = set(registry.all_operations()) | set(ALLOWED_EXTRA)
    for action in extra:
        service, operation = action.split(":", 1)
        ops.add((service, operation))
    return frozenset(ops)


# What the scanner calls: every declared type's operations and the runner's own
# (computed again when a resource type is declared).
allowed_operations = TYPES.derived(_allowed_operations)


def verdict(service: str, operation: str) -> Verdict:
    """Whether ``service:operation`` (API names, e.g. rds, DescribeDBClusters) may be called."""
    secret = SECRET_READS.get((service, operation))
    if secret is not None:
        return Verdict(False, f"never called: it {secret}", by_name=True)
    if (service, operation) in allowed_operations():
        return Verdict(True, "an operation the scanner makes")
    return Verdict(False, NOT_NEEDED)


def is_read_only(service: str, operation: str) -> bool:
    """True when ``service:operation`` may be called."""
    return verdict(service, operation).allowed


class MutatingCallRefused(RuntimeError):
    """Raised instead of sending a request the guard does not admit."""

    def __init__(self, service: str, operation: str) -> None:
        self.service = service
        self.operation = operation
        self.reason = verdict(service, operation).reason
        super().__init__(
            f"aurora-scan is read-only: refused {service}:{operation} before sending it "
            f"({self.reason})"
        )


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
