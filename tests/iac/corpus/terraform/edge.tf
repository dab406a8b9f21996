# The sources of edge.plan.json (see tests/iac/make_plans.py): the default VPC,
# an audited MySQL cluster, Aurora Serverless v1, a paused event subscription,
# a global database from an existing cluster, and a local child module.

resource "aws_default_vpc" "default" {}

resource "aws_default_subnet" "a" {
  availability_zone = "us-east-1a"
}

resource "aws_default_subnet" "b" {
  availability_zone = "us-east-1b"
}

resource "aws_db_subnet_group" "default_vpc" {
  name       = "default-vpc-subnets"
  subnet_ids = [aws_default_subnet.a.id, aws_default_subnet.b.id]
}

resource "aws_rds_cluster_parameter_group" "quiet" {
  name   = "quiet-params"
  family = "aurora-postgresql16"

  parameter {
    name  = "log_statement"
    value = "none"
  }
}

resource "aws_rds_cluster" "shared" {
  cluster_identifier              = "shared"
  engine                          = "aurora-postgresql"
  storage_encrypted               = true
  db_subnet_group_name            = aws_db_subnet_group.default_vpc.name
  vpc_security_group_ids          = [aws_default_vpc.default.default_security_group_id]
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.quiet.name
}

resource "aws_db_cluster_snapshot" "shared" {
  db_cluster_identifier          = aws_rds_cluster.shared.id
  db_cluster_snapshot_identifier = "shared-manual"
}

resource "aws_rds_cluster_parameter_group" "audited" {
  name   = "audited-params"
  family = "aurora-mysql8.0"

  parameter {
    name  = "server_audit_logging"
    value = "1"
  }

  parameter {
    name  = "server_audit_events"
    value = "CONNECT,QUERY_DCL"
  }

  parameter {
    name  = "tls_version"
    value = "TLSv1.2"
  }

  parameter {
    name  = "require_secure_transport"
    value = "ON"
  }
}

resource "aws_rds_cluster" "audited" {
  cluster_identifier              = "audited"
  engine                          = "aurora-mysql"
  backtrack_window                = 86400
  enabled_cloudwatch_logs_exports = ["audit", "error", "slowquery"]
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.audited.name
  db_subnet_group_name            = aws_db_subnet_group.default_vpc.name
}

resource "aws_rds_cluster_instance" "audited" {
  identifier                   = "audited-1"
  cluster_identifier           = aws_rds_cluster.audited.id
  engine                       = "aurora-mysql"
  instance_class               = "db.r6g.large"
  performance_insights_enabled = true
}

resource "aws_db_event_subscription" "paused" {
  name        = "paused"
  sns_topic   = "arn:aws:sns:us-east-1:000000000000:db-alerts"
  source_type = "db-cluster"
  source_ids  = [aws_rds_cluster.audited.id]
  enabled     = false
}

resource "aws_rds_global_cluster" "from_audited" {
  global_cluster_identifier    = "audited-global"
  source_db_cluster_identifier = aws_rds_cluster.audited.arn
}

resource "aws_rds_cluster_parameter_group" "weak" {
  name   = "weak-params"
  family = "aurora-mysql8.0"

  parameter {
    name  = "server_audit_logging"
    value = "0"
  }

  parameter {
    name  = "tls_version"
    value = "TLSv1.1,TLSv1.2"
  }
}

# A custom VPC whose only internet route names a prefix list: still public.
resource "aws_vpc" "custom" {
  cidr_block = "10.3.0.0/16"
}

resource "aws_subnet" "prefix" {
  vpc_id            = aws_vpc.custom.id
  cidr_block        = "10.3.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_internet_gateway" "igw" {}

resource "aws_route_table" "prefix" {
  vpc_id = aws_vpc.custom.id
}

resource "aws_route" "prefix" {
  route_table_id             = aws_route_table.prefix.id
  destination_prefix_list_id = "pl-0123456789abcdef0"
  gateway_id                 = aws_internet_gateway.igw.id
}

resource "aws_route_table_association" "prefix" {
  route_table_id = aws_route_table.prefix.id
  subnet_id      = aws_subnet.prefix.id
}

resource "aws_db_subnet_group" "prefix" {
  name       = "prefix-subnets"
  subnet_ids = [aws_subnet.prefix.id]
}

resource "aws_rds_cluster" "weak" {
  cluster_identifier              = "weak"
  engine                          = "aurora-mysql"
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.weak.name
  db_subnet_group_name            = aws_db_subnet_group.prefix.name
}

# The cluster group logs nothing; the instance's DB parameter group overrides it.
resource "aws_db_parameter_group" "tuned" {
  name   = "tuned-instance-params"
  family = "aurora-postgresql16"

  parameter {
    name  = "log_statement"
    value = "ddl"
  }
}

resource "aws_rds_cluster" "tuned" {
  cluster_identifier              = "tuned"
  engine                          = "aurora-postgresql"
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.quiet.name
}

resource "aws_rds_cluster_instance" "tuned" {
  identifier              = "tuned-1"
  cluster_identifier      = aws_rds_cluster.tuned.id
  engine                  = "aurora-postgresql"
  instance_class          = "db.r6g.large"
  db_parameter_group_name = aws_db_parameter_group.tuned.name
}

resource "aws_rds_cluster" "v1" {
  cluster_identifier = "v1"
  engine             = "aurora-mysql"
  engine_mode        = "serverless"
}

module "reporting" {
  source = "./modules/reporting"
}
