"""Fill moto's gaps for tests and the demo (never used by the scanner itself).

Each function covers one gap of moto and says which; docs/testing.md lists
them all with what moto does differently from AWS.
They patch moto inside this process, so they work in-process (``mock_aws``)
and with ``ThreadedMotoServer`` (which serves from this process too), not with
a separately launched ``moto_server``.  Apply the URL-level patches
(``add_backup_list_protected_resources``) before the first request to moto.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

_lock = threading.Lock()
_applied: set[str] = set()

DEFAULT_ACCOUNT = "123456789012"


def _once(name: str) -> bool:
    """True the first time ``name`` is applied in this process."""
    with _lock:
        if name in _applied:
            return False
        _applied.add(name)
        return True


def patch_describe_db_clusters_pagination() -> None:
    """Gap: moto ignores MaxRecords/Marker on DescribeDBClusters.

    Without this every cluster comes back in one page and the scanner's
    pagination is never exercised.  Idempotent.
    """
    if not _once("describe_db_clusters_pagination"):
        return
    from moto.core.responses import PaginatedResult
    from moto.core.utils import get_pagination_model
    from moto.rds.responses import RDSResponse

    original = RDSResponse.describe_db_clusters

    def paginated(self: Any) -> Any:
        return PaginatedResult(original(self).result)

    get_pagination_model("rds")["DescribeDBClusters"].setdefault("unique_attribute", "resource_id")
    response_class: Any = RDSResponse
    response_class.describe_db_clusters = paginated


def make_aws_managed_rds_key(kms_client: Any, account: str = DEFAULT_ACCOUNT) -> str:
    """Gap: moto's ``alias/aws/rds`` key reports KeyManager CUSTOMER, not AWS.

    Creates the key through ``describe_key`` (moto makes it lazily) and flips
    it to AWS-managed in the backend.  Returns the key ARN.
    """
    from moto.kms.models import kms_backends

    meta = kms_client.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]
    region = kms_client.meta.region_name
    kms_backends[account][region].keys[meta["KeyId"]].key_manager = "AWS"
    return str(meta["Arn"])


def set_activity_stream(
    account: str,
    region: str,
    cluster_id: str,
    kms_key_id: str,
    *,
    mode: str = "async",
    status: str = "started",
) -> None:
    """Gap: StartActivityStream is not implemented and the fields never appear.

    Sets ActivityStreamStatus/Mode/KmsKeyId on the cluster's backend object;
    moto's serializer then emits them in DescribeDBClusters.
    """
    from moto.rds.models import rds_backends

    cluster: Any = rds_backends[account][region].clusters[cluster_id]
    cluster.activity_stream_status = status
    cluster.activity_stream_mode = mode
    cluster.activity_stream_kms_key_id = kms_key_id


def set_performance_insights(
    account: str, region: str, instance_id: str, kms_key_id: str, *, retention_days: int = 7
) -> None:
    """Gap: Performance Insights parameters are accepted but never shown."""
    from moto.rds.models import rds_backends

    instance: Any = rds_backends[account][region].databases[instance_id]
    instance.performance_insights_enabled = True
    instance.performance_insights_kms_key_id = kms_key_id
    instance.performance_insights_retention_period = retention_days


# (account, region) -> protected-resource records, served by the patch below.
_PROTECTED: dict[tuple[str, str], list[dict[str, Any]]] = {}


def protect_resource(
    account: str,
    region: str,
    resource_arn: str,
    *,
    resource_type: str = "Aurora",
    last_backup: dt.datetime | None = None,
) -> None:
    """Record ``resource_arn`` as protected by AWS Backup (see the next function).

    ``last_backup`` defaults to six hours before now: a scan collects with the
    wall clock, and aurora.cluster.backup_plan judges LastBackupTime against
    that collection time, so a fixed date would turn stale as days pass.
    """
    when = last_backup or dt.datetime.now(dt.UTC) - dt.timedelta(hours=6)
    name = resource_arn.rsplit(":", 1)[-1]
    with _lock:
        _PROTECTED.setdefault((account, region), []).append(
            {
                "ResourceArn": resource_arn,
                "ResourceType": resource_type,
                "ResourceName": name,
                "LastBackupTime": when.timestamp(),
                "LastBackupVaultArn": f"arn:aws:backup:{region}:{account}:backup-vault:Default",
            }
        )


def clear_protected_resources() -> None:
    with _lock:
        _PROTECTED.clear()


def add_backup_list_protected_resources() -> None:
    """Gap: backup ListProtectedResources has no route (404) and no backend.

    Adds the ``/resources/`` route and a handler serving what
    ``protect_resource`` recorded, with NextToken pagination.  Must run before
    moto first serves a Backup request.  Idempotent.
    """
    if not _once("backup_list_protected_resources"):
        return
    from moto.backup import urls
    from moto.backup.responses import BackupResponse

    def list_protected_resources(self: Any) -> str:
        params = self._get_params()
        max_results = int(params.get("MaxResults") or 1000)
        start = int(params.get("NextToken") or 0)
        with _lock:
            items = list(_PROTECTED.get((self.current_account, self.region), []))
        page = items[start : start + max_results]
        body: dict[str, Any] = {"Results": page}
        if start + max_results < len(items):
            body["NextToken"] = str(start + max_results)
        return json.dumps(body)

    response_class: Any = BackupResponse
    response_class.list_protected_resources = list_protected_resources
    urls.url_paths["{0}/resources/?$"] = urls.response.dispatch


# ---------------------------------------------------------------------------
# Appended by E1 (demo estate, end-to-end tests): more gaps, same rules.
# ---------------------------------------------------------------------------


def set_engine_lifecycle_support(account: str, region: str, cluster_id: str, value: str) -> None:
    """Gap: engine lifecycle fields.  ``EngineLifecycleSupport``
    (``open-source-rds-extended-support`` or ``...-disabled``) never appears in
    moto's DescribeDBClusters, while AWS always reports it.  Sets it on the
    cluster's backend object; moto's serializer then emits it."""
    from moto.rds.models import rds_backends

    cluster: Any = rds_backends[account][region].clusters[cluster_id]
    cluster.engine_lifecycle_support = value


def set_member_parameter_group_status(
    account: str, region: str, instance_id: str, status: str
) -> None:
    """Gap: ``DBClusterMembers[].DBClusterParameterGroupStatus`` is hard-coded
    ``in-sync`` in moto; AWS reports e.g. ``pending-reboot`` after a static
    parameter change until the member reboots.  Installs (once) a
    DBClusterMembers that reads a per-instance status (default ``in-sync``)
    and sets ``status`` on ``instance_id``."""
    from moto.rds.models import DBCluster, rds_backends

    if _once("member_parameter_group_status"):

        def db_cluster_members(self: Any) -> list[dict[str, Any]]:
            return [
                {
                    "DBInstanceIdentifier": m.db_instance_identifier,
                    "IsClusterWriter": m.is_cluster_writer,
                    "DBClusterParameterGroupStatus": getattr(
                        m, "aurora_scan_parameter_group_status", "in-sync"
                    ),
                    "PromotionTier": m.promotion_tier,
                }
                for m in self.members
            ]

        cluster_class: Any = DBCluster
        cluster_class.db_cluster_members = property(db_cluster_members)
    instance: Any = rds_backends[account][region].databases[instance_id]
    instance.aurora_scan_parameter_group_status = status


def make_global_secondary_readers_only(account: str, region: str, cluster_id: str) -> None:
    """Gap: moto makes one member of every cluster its writer (``DBCluster.designate_writer``
    runs whenever the members are read), also in the secondary cluster of a global database.
    On AWS a secondary is "made up entirely of Aurora Replicas": every DBClusterMembers entry
    has IsClusterWriter false.  Installs (once) a designate_writer that leaves clusters marked
    as secondaries alone, marks ``cluster_id`` and clears its members' writer flag."""
    from moto.rds.models import DBCluster, rds_backends

    if _once("global_secondary_readers_only"):
        original = DBCluster.designate_writer

        def designate_writer(self: Any) -> None:
            if not getattr(self, "aurora_scan_global_secondary", False):
                original(self)

        cluster_class: Any = DBCluster
        cluster_class.designate_writer = designate_writer
    cluster: Any = rds_backends[account][region].clusters[cluster_id]
    cluster.aurora_scan_global_secondary = True
    for member in cluster._members:
        member.is_cluster_writer = False


# The RDS certificate authorities, with the validity dates AWS documents.
RDS_CA_CERTIFICATES: tuple[tuple[str, str, str], ...] = (
    ("rds-ca-2019", "2019-08-22T17:08:50+00:00", "2024-08-22T17:08:50+00:00"),
    ("rds-ca-rsa2048-g1", "2021-05-25T23:34:57+00:00", "2061-05-25T23:34:57+00:00"),
    ("rds-ca-rsa4096-g1", "2021-05-25T23:38:16+00:00", "2121-05-25T23:38:16+00:00"),
    ("rds-ca-ecc384-g1", "2021-05-25T23:34:57+00:00", "2121-05-25T23:34:57+00:00"),
)


def add_rds_describe_certificates() -> None:
    """Gap: RDS ``DescribeCertificates`` is not implemented (NotImplementedError
    in-process, HTTP 500 over the server).  Answers it with
    ``RDS_CA_CERTIFICATES``, filtered by ``CertificateIdentifier`` when given.
    Idempotent."""
    if not _once("rds_describe_certificates"):
        return
    from moto.core.responses import ActionResult
    from moto.rds.responses import RDSResponse

    def describe_certificates(self: Any) -> Any:
        wanted = self.params.get("CertificateIdentifier")
        certificates = [
            {
                "CertificateIdentifier": ident,
                "CertificateType": "CA",
                "ValidFrom": dt.datetime.fromisoformat(valid_from),
                "ValidTill": dt.datetime.fromisoformat(valid_till),
                "CertificateArn": f"arn:aws:rds:{self.region}::cert:{ident}",
                "CustomerOverride": False,
            }
            for ident, valid_from, valid_till in RDS_CA_CERTIFICATES
            if not wanted or wanted == ident
        ]
        return ActionResult({"Certificates": certificates})

    response_class: Any = RDSResponse
    response_class.describe_certificates = describe_certificates


# DescribeDBMajorEngineVersions as AWS answers it for Aurora: (engine, major
# version, start of standard support, last day of standard support, last day
# of RDS Extended Support).  The end dates are the Aurora release calendars'
# (AuroraMySQL.release-calendars.html, aurorapostgresql-release-calendar.html);
# standard support starts on the Aurora release date of the major version.
# AWS reports an end as the last millisecond of its day and Extended Support
# as starting the next day, as in the response example of the Aurora User
# Guide's "Viewing support dates for engine versions in Amazon RDS Extended
# Support".
RDS_MAJOR_ENGINE_VERSIONS: tuple[tuple[str, str, str, str, str], ...] = (
    ("aurora-mysql", "5.7", "2018-02-06", "2024-10-31", "2029-06-30"),
    ("aurora-mysql", "8.0", "2021-11-18", "2028-04-30", "2029-07-31"),
    ("aurora-postgresql", "11", "2019-11-26", "2024-02-29", "2027-03-31"),
    ("aurora-postgresql", "12", "2020-12-23", "2025-02-28", "2028-02-29"),
    ("aurora-postgresql", "13", "2021-08-26", "2026-02-28", "2029-02-28"),
    # The calendar prints "29 February 2030" as 14's end of Extended Support, a
    # day that does not exist; the last day of that February stands in for it.
    ("aurora-postgresql", "14", "2022-02-24", "2027-02-28", "2030-02-28"),
    ("aurora-postgresql", "15", "2023-02-08", "2028-02-29", "2031-02-28"),
    ("aurora-postgresql", "16", "2024-01-31", "2029-02-28", "2032-02-28"),
    ("aurora-postgresql", "17", "2025-05-01", "2030-02-28", "2033-02-28"),
)


def major_engine_version_record(
    engine: str, major: str, start: str, standard_end: str, extended_end: str
) -> dict[str, Any]:
    """One DBMajorEngineVersion with both SupportedEngineLifecycles, in AWS's form."""

    def day(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)

    def last_moment(text: str) -> dt.datetime:
        return day(text) + dt.timedelta(days=1, milliseconds=-1)

    return {
        "Engine": engine,
        "MajorEngineVersion": major,
        "SupportedEngineLifecycles": [
            {
                "LifecycleSupportName": "open-source-rds-standard-support",
                "LifecycleSupportStartDate": day(start),
                "LifecycleSupportEndDate": last_moment(standard_end),
            },
            {
                "LifecycleSupportName": "open-source-rds-extended-support",
                "LifecycleSupportStartDate": day(standard_end) + dt.timedelta(days=1),
                "LifecycleSupportEndDate": last_moment(extended_end),
            },
        ],
    }


def add_rds_describe_db_major_engine_versions() -> None:
    """Gap: RDS ``DescribeDBMajorEngineVersions`` is not implemented in moto
    (NotImplementedError in-process, HTTP 500 over the server).  Answers it with
    ``RDS_MAJOR_ENGINE_VERSIONS`` in one page, filtered by ``Engine`` and
    ``MajorEngineVersion`` when given.  Idempotent."""
    if not _once("rds_describe_db_major_engine_versions"):
        return
    from moto.core.responses import ActionResult
    from moto.rds.responses import RDSResponse

    def describe_db_major_engine_versions(self: Any) -> Any:
        engine = self.params.get("Engine")
        major = self.params.get("MajorEngineVersion")
        versions = [
            major_engine_version_record(*row)
            for row in RDS_MAJOR_ENGINE_VERSIONS
            if (not engine or engine == row[0]) and (not major or major == row[1])
        ]
        return ActionResult({"DBMajorEngineVersions": versions})

    response_class: Any = RDSResponse
    response_class.describe_db_major_engine_versions = describe_db_major_engine_versions


def apply_all() -> None:
    """Every process-wide patch above (pagination, backup route, certificates, major versions)."""
    patch_describe_db_clusters_pagination()
    add_backup_list_protected_resources()
    add_rds_describe_certificates()
    add_rds_describe_db_major_engine_versions()
