"""aurora-scan: policy-as-code compliance scanner for Amazon Aurora."""

__version__ = "0.1.0"
