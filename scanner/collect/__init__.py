"""Collection: read-only AWS API calls that produce a Snapshot.

``runner.collect(options)`` is the entry point; ``registry.SPECS`` holds a
collector per resource type, built from its declaration in
``scanner/resource_types.py`` (service, paginated operation, items key, id
rule, IAM actions); the service modules give the behaviour a declaration
cannot state (``HOOKS``: augment functions, fetch calls).
"""
