"""What scanning the sample estate (scanner/demo/estate.py) must find.

Each row is (policy id, resource name, expected status).  Resource names are
the AWS identifiers the estate uses (cluster, instance, snapshot or global
cluster identifiers); the test maps them to ARNs.  Every
policy of the catalogue has at least one PASS row and one FAIL row: that is
what makes the end-to-end test cover the whole catalogue.

Policies whose rows depend on a moto gap helper are listed, with the helper,
in ``scanner.demo.gaps.GAP_HELPERS_BY_POLICY``.
"""

from __future__ import annotations

PASS = "PASS"
FAIL = "FAIL"
NA = "NOT_APPLICABLE"

# The demo/e2e config: required_tags is off until a tag list is configured.
REQUIRED_TAGS = ["owner", "environment"]

EXPECTATIONS: tuple[tuple[str, str, str], ...] = (
    # ----- encryption and data protection ---------------------------------
    ("aurora.cluster.storage_encrypted", "orders-prod", PASS),
    ("aurora.cluster.storage_encrypted", "payments-prod", PASS),
    ("aurora.cluster.storage_encrypted", "legacy-reporting", FAIL),
    ("aurora.cluster.storage_encrypted", "reports-eu", FAIL),
    ("aurora.cluster.kms_customer_managed_key", "orders-prod", PASS),
    ("aurora.cluster.kms_customer_managed_key", "inventory-prod", FAIL),  # aws/rds
    ("aurora.cluster.kms_customer_managed_key", "search-dev", FAIL),
    ("aurora.global_cluster.storage_encrypted", "payments-global", PASS),
    ("aurora.global_cluster.storage_encrypted", "reporting-global", FAIL),
    ("aurora.cluster.tls_enforced", "orders-prod", PASS),  # require_secure_transport=ON
    ("aurora.cluster.tls_enforced", "inventory-prod", PASS),  # require_secure_transport=1
    ("aurora.cluster.tls_enforced", "payments-prod", PASS),  # rds.force_ssl=1
    ("aurora.cluster.tls_enforced", "crm-prod", FAIL),  # OFF
    ("aurora.cluster.tls_enforced", "analytics-staging", FAIL),  # rds.force_ssl=0
    ("aurora.cluster.tls_enforced", "legacy-reporting", FAIL),  # default.* group
    ("aurora.mysql.tls_min_version", "orders-prod", PASS),
    ("aurora.mysql.tls_min_version", "inventory-prod", PASS),
    ("aurora.mysql.tls_min_version", "billing-prod", FAIL),  # TLSv1,TLSv1.1,TLSv1.2
    ("aurora.mysql.tls_min_version", "payments-prod", NA),  # PostgreSQL
    ("aurora.cluster_snapshot.encrypted", "orders-prod-manual", PASS),
    ("aurora.cluster_snapshot.encrypted", "legacy-reporting-final", FAIL),
    ("aurora.cluster_snapshot.not_public", "orders-prod-manual", PASS),
    ("aurora.cluster_snapshot.not_public", "inventory-prod-pre-upgrade", PASS),
    ("aurora.cluster_snapshot.not_public", "legacy-reporting-final", FAIL),  # restore=all
    ("aurora.cluster_snapshot.no_untrusted_share", "orders-prod-manual", PASS),
    ("aurora.cluster_snapshot.no_untrusted_share", "payments-prod-audit-copy", PASS),
    ("aurora.cluster_snapshot.no_untrusted_share", "inventory-prod-pre-upgrade", FAIL),
    ("aurora.cluster_snapshot.kms_customer_managed_key", "orders-prod-manual", PASS),
    ("aurora.cluster_snapshot.kms_customer_managed_key", "payments-prod-audit-copy", PASS),
    ("aurora.cluster_snapshot.kms_customer_managed_key", "inventory-prod-pre-upgrade", FAIL),
    ("aurora.instance.performance_insights_kms_cmk", "orders-prod-1", PASS),
    ("aurora.instance.performance_insights_kms_cmk", "inventory-prod-1", FAIL),
    ("aurora.cluster.activity_stream_kms_cmk", "orders-prod", PASS),
    ("aurora.cluster.activity_stream_kms_cmk", "inventory-prod", FAIL),
    # ----- network exposure -----------------------------------------------
    ("aurora.instance.not_publicly_accessible", "orders-prod-1", PASS),
    ("aurora.instance.not_publicly_accessible", "legacy-reporting-1", FAIL),
    ("aurora.instance.not_publicly_accessible", "analytics-staging-1", FAIL),
    ("aurora.instance.not_publicly_accessible", "audit-prod-1", FAIL),
    ("aurora.cluster.no_public_subnet", "orders-prod", PASS),  # 0.0.0.0/0 -> NAT
    ("aurora.cluster.no_public_subnet", "catalog-v2", PASS),  # main table, local only
    ("aurora.cluster.no_public_subnet", "audit-prod", FAIL),  # explicit igw route
    ("aurora.cluster.no_public_subnet", "legacy-reporting", FAIL),  # main table -> igw
    ("aurora.cluster.no_public_subnet", "analytics-staging", FAIL),  # ::/0 -> igw
    ("aurora.cluster.sg_no_world_ingress", "orders-prod", PASS),
    ("aurora.cluster.sg_no_world_ingress", "audit-prod", PASS),  # world on port 22 only
    ("aurora.cluster.sg_no_world_ingress", "legacy-reporting", FAIL),  # protocol -1
    ("aurora.cluster.sg_no_world_ingress", "crm-prod", FAIL),  # 3000-4000 covers 3306
    ("aurora.cluster.sg_no_world_ingress", "analytics-staging", FAIL),  # ::/0 on 5432
    ("aurora.instance.internet_reachable", "orders-prod-1", PASS),
    ("aurora.instance.internet_reachable", "audit-prod-1", PASS),  # public, but SSH only
    ("aurora.instance.internet_reachable", "crm-prod-1", PASS),  # open SG, private
    ("aurora.instance.internet_reachable", "legacy-reporting-1", FAIL),
    ("aurora.instance.internet_reachable", "analytics-staging-1", FAIL),
    ("aurora.cluster.not_in_default_vpc", "orders-prod", PASS),
    ("aurora.cluster.not_in_default_vpc", "search-dev", FAIL),
    ("aurora.cluster.not_default_security_group", "orders-prod", PASS),
    ("aurora.cluster.not_default_security_group", "search-dev", FAIL),
    ("aurora.cluster.non_default_port", "orders-prod", PASS),
    ("aurora.cluster.non_default_port", "payments-prod", PASS),
    ("aurora.cluster.non_default_port", "billing-prod", FAIL),
    ("aurora.cluster.non_default_port", "analytics-staging", FAIL),
    # ----- backup and recovery --------------------------------------------
    ("aurora.cluster.deletion_protection", "orders-prod", PASS),
    ("aurora.cluster.deletion_protection", "legacy-reporting", FAIL),
    ("aurora.cluster.deletion_protection", "analytics-staging", FAIL),
    ("aurora.cluster.backup_retention", "orders-prod", PASS),
    ("aurora.cluster.backup_retention", "inventory-prod", PASS),  # 7 days
    ("aurora.cluster.backup_retention", "analytics-staging", FAIL),  # 6 days
    ("aurora.cluster.backup_retention", "legacy-reporting", FAIL),
    ("aurora.cluster.backup_plan", "orders-prod", PASS),
    ("aurora.cluster.backup_plan", "catalog-v2", PASS),
    ("aurora.cluster.backup_plan", "ledger-prod", FAIL),
    ("aurora.cluster.backup_plan", "crm-prod", FAIL),
    ("aurora.mysql.backtrack_enabled", "orders-prod", PASS),
    ("aurora.mysql.backtrack_enabled", "inventory-prod", PASS),
    ("aurora.mysql.backtrack_enabled", "billing-prod", FAIL),
    ("aurora.mysql.backtrack_enabled", "crm-prod", FAIL),
    ("aurora.mysql.backtrack_enabled", "payments-prod", NA),  # PostgreSQL
    ("aurora.mysql.backtrack_enabled", "sessions-serverless", NA),  # Serverless v1
    ("aurora.cluster.copy_tags_to_snapshot", "orders-prod", PASS),
    ("aurora.cluster.copy_tags_to_snapshot", "legacy-reporting", FAIL),
    # ----- availability ---------------------------------------------------
    ("aurora.cluster.multi_az", "orders-prod", PASS),
    ("aurora.cluster.multi_az", "payments-prod", PASS),
    ("aurora.cluster.multi_az", "catalog-v2", PASS),  # serverless v2 reader counts
    ("aurora.cluster.multi_az", "inventory-prod", FAIL),  # reader in the writer's AZ
    ("aurora.cluster.multi_az", "billing-prod", FAIL),
    ("aurora.cluster.multi_az", "legacy-reporting", FAIL),  # writer only
    ("aurora.cluster.multi_az", "reports-eu", PASS),  # global secondary: readers in two AZs
    ("aurora.cluster.multi_az", "sessions-serverless", NA),  # Serverless v1
    ("aurora.cluster.failover_capacity", "orders-prod", PASS),
    ("aurora.cluster.failover_capacity", "payments-prod", PASS),
    ("aurora.cluster.failover_capacity", "analytics-staging", FAIL),  # smaller reader
    ("aurora.cluster.failover_capacity", "ledger-prod", PASS),  # only reader: tier 5, same class
    ("aurora.cluster.failover_capacity", "legacy-reporting", FAIL),  # no reader
    ("aurora.cluster.failover_capacity", "reports-eu", NA),  # global secondary: no writer
    ("aurora.cluster.failover_capacity", "sessions-serverless", NA),  # Serverless v1
    ("aurora.cluster.subnet_group_multi_az", "orders-prod", PASS),
    ("aurora.cluster.subnet_group_multi_az", "billing-prod", FAIL),
    ("aurora.serverless.v1_retired", "orders-prod", PASS),
    ("aurora.serverless.v1_retired", "sessions-serverless", FAIL),
    # ----- identity and access --------------------------------------------
    ("aurora.cluster.iam_auth", "orders-prod", PASS),
    ("aurora.cluster.iam_auth", "legacy-reporting", FAIL),
    ("aurora.cluster.iam_auth", "search-dev", FAIL),
    ("aurora.cluster.iam_auth", "sessions-serverless", NA),  # Serverless v1
    ("aurora.cluster.custom_admin_username", "orders-prod", PASS),
    ("aurora.cluster.custom_admin_username", "legacy-reporting", FAIL),  # admin
    ("aurora.cluster.custom_admin_username", "analytics-staging", FAIL),  # postgres
    ("aurora.cluster.custom_admin_username", "search-dev", FAIL),  # root
    ("aurora.cluster.custom_admin_username", "crm-prod", FAIL),  # master
    ("aurora.cluster.master_password_managed", "orders-prod", PASS),
    ("aurora.cluster.master_password_managed", "legacy-reporting", NA),  # global database member
    ("aurora.cluster.master_password_managed", "reports-eu", NA),  # global database member
    ("aurora.cluster.master_password_managed", "analytics-staging", FAIL),
    ("aurora.cluster.master_password_managed", "sessions-serverless", NA),  # Serverless v1
    ("aurora.cluster.master_secret_rotation", "orders-prod", PASS),
    ("aurora.cluster.master_secret_rotation", "ledger-prod", FAIL),
    # ----- logging, audit and monitoring ----------------------------------
    ("aurora.cluster.log_exports", "orders-prod", PASS),
    ("aurora.cluster.log_exports", "payments-prod", PASS),
    ("aurora.cluster.log_exports", "billing-prod", FAIL),
    ("aurora.cluster.log_exports", "analytics-staging", FAIL),
    ("aurora.cluster.log_exports", "sessions-serverless", NA),  # Serverless v1
    ("aurora.mysql.audit_log_export", "orders-prod", PASS),
    ("aurora.mysql.audit_log_export", "billing-prod", FAIL),
    ("aurora.mysql.audit_log_export", "payments-prod", NA),
    ("aurora.mysql.audit_log_export", "sessions-serverless", NA),  # Serverless v1
    # Judged on the cluster through the cluster parameter group it uses.
    ("aurora.mysql.advanced_auditing", "orders-prod", PASS),  # mysql8-hardened
    ("aurora.mysql.advanced_auditing", "inventory-prod", PASS),  # mysql8-tls-numeric
    ("aurora.mysql.advanced_auditing", "billing-prod", FAIL),  # logging 1, no events
    ("aurora.mysql.advanced_auditing", "crm-prod", FAIL),  # logging 0
    ("aurora.mysql.advanced_auditing", "legacy-reporting", FAIL),  # default.* group
    ("aurora.mysql.advanced_auditing", "payments-prod", NA),
    ("aurora.postgresql.query_logging", "payments-prod", PASS),  # log_statement ddl, pgaudit
    ("aurora.postgresql.query_logging", "catalog-v2", PASS),  # log_min_duration_statement
    ("aurora.postgresql.query_logging", "analytics-staging", FAIL),  # none / -1
    ("aurora.postgresql.query_logging", "search-dev", FAIL),  # default.* group
    # the cluster group logs DDL, but the reader's own DB parameter group sets
    # log_statement none (and pgaudit is loaded with no pgaudit.log)
    ("aurora.postgresql.query_logging", "ledger-prod", FAIL),
    ("aurora.postgresql.query_logging", "orders-prod", NA),
    ("aurora.cluster.activity_stream", "orders-prod", PASS),
    ("aurora.cluster.activity_stream", "inventory-prod", PASS),
    ("aurora.cluster.activity_stream", "crm-prod", FAIL),
    ("aurora.cluster.activity_stream", "legacy-reporting", FAIL),  # Aurora MySQL 2.11.2
    ("aurora.cluster.activity_stream", "billing-prod", NA),  # db.t3 members
    ("aurora.cluster.activity_stream", "search-dev", NA),  # db.t4g member
    ("aurora.cluster.activity_stream", "catalog-v2", NA),  # Serverless v2
    ("aurora.cluster.activity_stream", "sessions-serverless", NA),  # Serverless v1
    ("aurora.instance.enhanced_monitoring", "orders-prod-1", PASS),
    ("aurora.instance.enhanced_monitoring", "legacy-reporting-1", FAIL),
    ("aurora.instance.enhanced_monitoring", "search-dev-1", FAIL),
    ("aurora.instance.performance_insights", "orders-prod-1", PASS),
    ("aurora.instance.performance_insights", "inventory-prod-1", PASS),
    ("aurora.instance.performance_insights", "legacy-reporting-1", FAIL),
    ("aurora.instance.performance_insights", "search-dev-1", FAIL),
    ("aurora.cluster.event_subscription", "orders-prod", PASS),
    ("aurora.cluster.event_subscription", "payments-prod", PASS),
    ("aurora.cluster.event_subscription", "ledger-prod", FAIL),
    ("aurora.cluster.event_subscription", "legacy-reporting", FAIL),
    ("aurora.cluster.event_subscription", "reports-eu", FAIL),  # no subscription in eu
    # ----- lifecycle and hygiene ------------------------------------------
    ("aurora.cluster.auto_minor_version_upgrade", "orders-prod", PASS),
    ("aurora.cluster.auto_minor_version_upgrade", "legacy-reporting", FAIL),  # cluster off
    ("aurora.cluster.auto_minor_version_upgrade", "billing-prod", FAIL),  # one member off
    ("aurora.cluster.auto_minor_version_upgrade", "sessions-serverless", NA),  # Serverless v1
    ("aurora.cluster.engine_version_supported", "orders-prod", PASS),
    ("aurora.cluster.engine_version_supported", "payments-prod", PASS),
    ("aurora.cluster.engine_version_supported", "legacy-reporting", FAIL),  # 5.7
    ("aurora.cluster.engine_version_supported", "search-dev", FAIL),  # PostgreSQL 11
    ("aurora.cluster.no_extended_support", "orders-prod", PASS),
    ("aurora.cluster.no_extended_support", "legacy-reporting", FAIL),
    ("aurora.cluster.no_extended_support", "search-dev", FAIL),
    ("aurora.instance.ca_certificate_current", "orders-prod-1", PASS),
    ("aurora.instance.ca_certificate_current", "legacy-reporting-1", FAIL),  # rds-ca-2019
    ("aurora.cluster.custom_parameter_group", "orders-prod", PASS),
    ("aurora.cluster.custom_parameter_group", "legacy-reporting", FAIL),
    ("aurora.cluster.custom_parameter_group", "sessions-serverless", FAIL),
    ("aurora.cluster.custom_parameter_group", "search-dev", FAIL),
    ("aurora.cluster.parameter_group_in_sync", "orders-prod", PASS),
    ("aurora.cluster.parameter_group_in_sync", "billing-prod", FAIL),  # pending-reboot
    ("aurora.instance.no_burstable_in_production", "orders-prod-1", PASS),
    ("aurora.instance.no_burstable_in_production", "billing-prod-1", FAIL),  # db.t3
    ("aurora.instance.no_burstable_in_production", "billing-prod-2", FAIL),
    ("aurora.resources.required_tags", "orders-prod", PASS),
    ("aurora.resources.required_tags", "orders-prod-manual", PASS),
    ("aurora.resources.required_tags", "legacy-reporting", FAIL),  # team tag only
    ("aurora.resources.required_tags", "analytics-staging", FAIL),  # no owner
    ("aurora.resources.required_tags", "legacy-reporting-final", FAIL),  # untagged
    # ----- Aurora semantics: not Aurora, and cluster-owned settings --------
    ("aurora.cluster.storage_encrypted", "knowledge-graph", NA),  # Neptune
    ("aurora.cluster.deletion_protection", "knowledge-graph", NA),
    ("aurora.cluster.backup_retention", "knowledge-graph", NA),
    ("aurora.cluster.iam_auth", "knowledge-graph", NA),
    ("aurora.cluster.tls_enforced", "knowledge-graph", NA),
)

# Member instances are NOT_APPLICABLE for settings their cluster owns.
INHERITED: tuple[tuple[str, str, str], ...] = (
    ("aurora.cluster.storage_encrypted", "orders-prod-1", NA),
    ("aurora.cluster.deletion_protection", "orders-prod-1", NA),
    ("aurora.cluster.iam_auth", "orders-prod-1", NA),
    ("aurora.cluster.backup_retention", "orders-prod-1", NA),
    ("aurora.cluster.copy_tags_to_snapshot", "orders-prod-1", NA),
)
