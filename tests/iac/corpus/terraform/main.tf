# The sources of secure.plan.json (insecure.plan.json shares the addresses of
# its network and cluster; the plans were written by hand in `terraform show
# -json` form, see tests/iac/make_plans.py).

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.2.0/24"
  availability_zone = "us-east-1b"
}

resource "aws_security_group" "db" {
  name        = "db"
  description = "db"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group_rule" "clients" {
  type              = "ingress"
  security_group_id = aws_security_group.db.id
  protocol          = "tcp"
  from_port         = 5433
  to_port           = 5433
  cidr_blocks       = ["10.0.0.0/16"]
}

resource "aws_db_subnet_group" "db" {
  name       = "orders-subnets"
  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
}

resource "aws_kms_key" "db" {
  description = "aurora"
}

resource "aws_rds_cluster_parameter_group" "db" {
  name        = "orders-params"
  family      = "aurora-postgresql16"
  description = "TLS only, DDL logged"

  parameter {
    name         = "rds.force_ssl"
    value        = "1"
    apply_method = "immediate"
  }

  parameter {
    name         = "log_statement"
    value        = "ddl"
    apply_method = "immediate"
  }
}

resource "aws_rds_cluster" "db" {
  cluster_identifier                  = "orders"
  engine                              = "aurora-postgresql"
  port                                = 5433
  master_username                     = "orders_admin"
  manage_master_user_password         = true
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.db.arn
  deletion_protection                 = true
  backup_retention_period             = 14
  iam_database_authentication_enabled = true
  copy_tags_to_snapshot               = true
  enabled_cloudwatch_logs_exports     = ["postgresql"]
  engine_lifecycle_support            = "open-source-rds-extended-support-disabled"
  db_cluster_parameter_group_name     = aws_rds_cluster_parameter_group.db.name
  db_subnet_group_name                = aws_db_subnet_group.db.name
  vpc_security_group_ids              = [aws_security_group.db.id]

  tags = {
    environment = "production"
    owner       = "payments"
  }
}

resource "aws_rds_cluster_instance" "writer" {
  identifier                      = "orders-1"
  cluster_identifier              = aws_rds_cluster.db.id
  instance_class                  = "db.r6g.large"
  engine                          = "aurora-postgresql"
  availability_zone               = "us-east-1a"
  publicly_accessible             = false
  auto_minor_version_upgrade      = true
  monitoring_interval             = 60
  performance_insights_enabled    = true
  performance_insights_kms_key_id = aws_kms_key.db.arn
}

resource "aws_rds_cluster_instance" "reader" {
  identifier                      = "orders-2"
  cluster_identifier              = aws_rds_cluster.db.id
  instance_class                  = "db.r6g.large"
  engine                          = "aurora-postgresql"
  availability_zone               = "us-east-1b"
  publicly_accessible             = false
  auto_minor_version_upgrade      = true
  monitoring_interval             = 60
  performance_insights_enabled    = true
  performance_insights_kms_key_id = aws_kms_key.db.arn
}

resource "aws_db_event_subscription" "alerts" {
  name             = "orders-alerts"
  sns_topic        = "arn:aws:sns:us-east-1:000000000000:db-alerts"
  source_type      = "db-cluster"
  source_ids       = [aws_rds_cluster.db.id]
  event_categories = ["failure", "maintenance"]
}

resource "aws_rds_global_cluster" "db" {
  global_cluster_identifier = "orders-global"
  engine                    = "aurora-postgresql"
  storage_encrypted         = true
}

resource "aws_db_cluster_snapshot" "before_upgrade" {
  db_cluster_identifier          = aws_rds_cluster.db.id
  db_cluster_snapshot_identifier = "orders-before-upgrade"

  tags = {
    owner = "payments"
  }
}
