"""Collection: read-only AWS API calls that produce a Snapshot.

``runner.collect(options)`` is the entry point; ``registry.SPECS`` declares
every resource type (service, paginated operation, items key, id rule, IAM
actions); one module per AWS service holds its specs and augment functions.
"""
