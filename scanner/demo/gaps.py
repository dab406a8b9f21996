"""Apply the sample estate's facts that moto cannot take through its API.

``seed_estate`` creates everything moto's API can represent;
``install_server_gaps`` (before the server's first request) and
``apply_estate_gaps`` (after seeding) add the rest through the named gap
helpers of ``scanner.demo.moto_gaps``.  ``GAP_HELPERS_BY_POLICY`` lists the
policies whose PASS or FAIL resources exist only thanks to a helper.
"""

from __future__ import annotations

from scanner.demo import moto_gaps
from scanner.demo.estate import (
    AWS_KEY,
    CLUSTERS,
    REGION,
    REGIONS,
    SeededEstate,
    SeedProgress,
    client_factory,
    seed_estate,
)

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


def apply_estate_gaps(estate: SeededEstate) -> None:
    """Write the estate's non-API facts into the in-process moto backends."""
    account = estate.account
    clients = client_factory(estate.endpoint_url)
    for region in REGIONS:
        arn = moto_gaps.make_aws_managed_rds_key(clients("kms", region), account)
        suffix = "" if region == REGION else f"@{region}"
        if arn != estate.keys[AWS_KEY + suffix]:  # pragma: no cover - seeding bug
            raise RuntimeError(f"aws/rds key moved: {arn}")

    for spec in CLUSTERS:
        region = spec.region
        suffix = "" if region == REGION else f"@{region}"

        def key(ref: str, suffix: str = suffix) -> str:
            return estate.keys[ref + suffix]

        if spec.activity_stream_key is not None:
            moto_gaps.set_activity_stream(account, region, spec.name, key(spec.activity_stream_key))
        moto_gaps.set_engine_lifecycle_support(account, region, spec.name, spec.lifecycle_support)
        if spec.global_secondary:
            moto_gaps.make_global_secondary_readers_only(account, region, spec.name)
        if spec.backup_protected:
            moto_gaps.protect_resource(account, region, estate.clusters[spec.name])
        for inst in spec.instances:
            if inst.performance_insights is not None:
                moto_gaps.set_performance_insights(
                    account, region, inst.name, key(inst.performance_insights)
                )
            if inst.parameter_group_status != "in-sync":
                moto_gaps.set_member_parameter_group_status(
                    account, region, inst.name, inst.parameter_group_status
                )


def seed_demo_estate(endpoint_url: str, on_step: SeedProgress | None = None) -> SeededEstate:
    """Seed the estate and apply every gap helper; moto must run in this process."""
    install_server_gaps()
    estate = seed_estate(endpoint_url, on_step)
    apply_estate_gaps(estate)
    return estate
