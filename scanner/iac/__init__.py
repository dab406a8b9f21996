"""Infrastructure as code: CloudFormation templates and Terraform plans as snapshots."""
