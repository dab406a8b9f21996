# A local child module of edge.plan.json (module "reporting" in edge.tf).

resource "aws_rds_cluster" "this" {
  cluster_identifier = "reporting"
  engine             = "aurora-postgresql"
  storage_encrypted  = true
}
