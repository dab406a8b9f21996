"""The sample estate behind `aurora-scan demo` and the end-to-end tests.

- ``estate.yaml`` / ``estate_file``: the estate as data (schema-checked specs, with the
  verdicts the end-to-end test expects); ``estate``: ``seed_estate`` (boto3 against a moto
  endpoint);
- ``moto_gaps`` / ``gaps``: the facts moto cannot take through its API, filled
  by named helpers (never used by the scanner itself);
- ``server``: an embedded moto server on 127.0.0.1 (moto is the optional ``demo`` extra);
- ``run`` / ``summary``: the demo pipeline and its plain-text summary.
"""
