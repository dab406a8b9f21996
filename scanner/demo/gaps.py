"""Apply the sample estate's facts that moto cannot take through its API.

``seed_estate`` creates everything moto's API can represent;
``install_server_gaps`` (before the server's first request) and
``apply_estate_gaps`` (after seeding) add the rest through the named gap
helpers of ``scanner.demo.moto_gaps`` that the estate file asks for
(``moto_gaps:`` on a cluster or instance of ``estate.yaml``).
``GAP_HELPERS_BY_POLICY`` lists the policies whose PASS or FAIL resources
exist only thanks to a helper (documentation, checked to name real helpers).
"""

from __future__ import annotations

from scanner.demo import moto_gaps
from scanner.demo.estate import (
    SeededEstate,
    SeedProgress,
    client_factory,
    key_arn,
    seed_estate,
)
from scanner.demo.estate_file import AWS_KEY, EstateSpec, demo_estate

GAP_HELPERS_BY_POLICY: dict[str, tuple[str, ...]] = {
    "aurora.cluster.kms_customer_managed_key": ("make_aws_managed_rds_key",),
    "aurora.cluster_snapshot.kms_customer_managed_key": ("make_aws_managed_rds_key",),
    "aurora.cluster.activity_stream": ("set_activity_stream",),
    "aurora.cluster.activity_stream_kms_cmk": ("set_activity_stream", "make_aws_managed_rds_key"),
    "aurora.instance.performance_insights": ("set_performance_insights",),
    "aurora.instance.performance_insights_kms_cmk": (
        "set_performance_insights",
        "make_aws_managed_rds_key",
    ),
    "aurora.cluster.no_extended_support": ("set_engine_lifecycle_support",),
    "aurora.cluster.parameter_group_in_sync": ("set_member_parameter_group_status",),
    "aurora.instance.ca_certificate_current": ("add_rds_describe_certificates",),
    # Its verdicts would be the same from the shipped lifecycle table; the
    # helper is what makes the demo read the support dates AWS reports.
    "aurora.cluster.engine_version_supported": ("add_rds_describe_db_major_engine_versions",),
    "aurora.cluster.backup_plan": ("add_backup_list_protected_resources", "protect_resource"),
    # reports-eu, a global database secondary, has no writer only thanks to the helper.
    "aurora.cluster.multi_az": ("make_global_secondary_readers_only",),
    "aurora.cluster.failover_capacity": ("make_global_secondary_readers_only",),
}


def install_server_gaps() -> None:
    """Patches moto needs before it serves its first request (new operations and routes)."""
    moto_gaps.add_rds_describe_certificates()
    moto_gaps.add_rds_describe_db_major_engine_versions()
    moto_gaps.add_backup_list_protected_resources()


def apply_estate_gaps(estate: SeededEstate, spec: EstateSpec | None = None) -> None:
    """Write the estate's non-API facts into the in-process moto backends."""
    spec = spec or demo_estate()
    account = estate.account
    clients = client_factory(estate.endpoint_url)
    for region in estate.regions:
        arn = moto_gaps.make_aws_managed_rds_key(clients("kms", region), account)
        if arn != key_arn(estate, AWS_KEY, region):  # pragma: no cover - seeding bug
            raise RuntimeError(f"aws/rds key moved: {arn}")

    for cluster in spec.clusters:
        region = cluster.region
        stream_key = key_arn(estate, cluster.activity_stream_key, region)
        if stream_key is not None:
            moto_gaps.set_activity_stream(account, region, cluster.name, stream_key)
        moto_gaps.set_engine_lifecycle_support(
            account, region, cluster.name, cluster.lifecycle_support
        )
        if cluster.global_secondary:
            moto_gaps.make_global_secondary_readers_only(account, region, cluster.name)
        if cluster.backup_protected:
            moto_gaps.protect_resource(account, region, estate.clusters[cluster.name])
        for inst in cluster.instances:
            insights_key = key_arn(estate, inst.performance_insights, region)
            if insights_key is not None:
                moto_gaps.set_performance_insights(account, region, inst.name, insights_key)
            if inst.parameter_group_status != "in-sync":
                moto_gaps.set_member_parameter_group_status(
                    account, region, inst.name, inst.parameter_group_status
                )


def seed_demo_estate(endpoint_url: str, on_step: SeedProgress | None = None) -> SeededEstate:
    """Seed the estate and apply every gap helper; moto must run in this process."""
    install_server_gaps()
    estate = seed_estate(endpoint_url, on_step=on_step)
    apply_estate_gaps(estate)
    return estate
