# The sources of secure.plan.json and insecure.plan.json (abridged: the plans
# were written by hand in `terraform show -json` form, see tests/iac/make_plans.py).

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

resource "aws_db_subnet_group" "db" {
  name       = "db-subnets"
  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
}

resource "aws_kms_key" "db" {
  description = "aurora"
}

resource "aws_rds_cluster" "db" {
  cluster_identifier                  = "orders"
  engine                              = "aurora-postgresql"
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.db.arn
  deletion_protection                 = true
  backup_retention_period             = 14
  iam_database_authentication_enabled = true
  copy_tags_to_snapshot               = true
  db_subnet_group_name                = aws_db_subnet_group.db.name
  vpc_security_group_ids              = [aws_security_group.db.id]
}

resource "aws_rds_cluster_instance" "writer" {
  identifier          = "orders-1"
  cluster_identifier  = aws_rds_cluster.db.id
  instance_class      = "db.r6g.large"
  engine              = "aurora-postgresql"
  publicly_accessible = false
}
