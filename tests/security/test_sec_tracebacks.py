"""Item 8: bad input ends in one clear message and exit 2, never a traceback (exit 1).

* wrong-typed snapshot fields (``DBClusterMembers: "x"``, ``IpPermissions: 5``,
  ``Tags: 3``): refused when the snapshot is read, naming the file, the JSON
  path of the field and the resource (decision: a field of the wrong type is
  a damaged snapshot, not missing data, so it is not turned into UNKNOWN);
* lone surrogates in names (snapshot and results.json): refused when read;
* a deeply nested JMESPath attribute: refused when the policy loads;
* a read-only or full output directory: refused with --output-dir named, and
  the reports already there all left as they were (every format is rendered
  to a staging directory first, then moved into place together);
* ``--endpoint-url 'http://[::1'``.
"""

from __future__ import annotations

import os
import resource
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from product_fixtures import file_form, finding, result
from sec_support import cluster_attrs, one_clear_error, snapshot_data, write_json


def _set(index: int, field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        data["resources"][index]["attrs"][field] = value

    return mutate


WRONG_TYPES = {
    "DBClusterMembers-string": (_set(0, "DBClusterMembers", "x"), "DBClusterMembers", "cluster"),
    "DBClusterMembers-item": (_set(0, "DBClusterMembers", [5]), "DBClusterMembers[0]", "cluster"),
    "IpPermissions-number": (_set(2, "IpPermissions", 5), "IpPermissions", "security-group"),
    "IpRanges-string": (
        _set(2, "IpPermissions", [{"IpProtocol": "tcp", "IpRanges": "0.0.0.0/0"}]),
        "IpPermissions[0].IpRanges",
        "security-group",
    ),
    "Tags-number": (_set(2, "Tags", 3), "Tags", "security-group"),
    "TagList-item": (_set(0, "TagList", ["Name"]), "TagList[0]", "cluster"),
}


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
def test_wrong_typed_snapshot_field_is_exit_2_naming_resource_and_field(
    run_cli: Any, tmp_path: Path, case: str
) -> None:
    mutate, field, resource_kind = WRONG_TYPES[case]
    data = snapshot_data()
    mutate(data)
    snap = write_json(tmp_path / "damaged.json", data)
    run = run_cli(["evaluate", str(snap), "--output-dir", str(tmp_path / "o")], timeout=60)
    one_clear_error(run, "damaged.json", f"attrs.{field}", resource_kind)
    assert not (tmp_path / "o" / "results.json").exists()


def test_lone_surrogate_in_a_snapshot_name_is_exit_2(run_cli: Any, tmp_path: Path) -> None:
    data = snapshot_data()
    cluster_attrs(data)["DBClusterIdentifier"] = "ord\ud800ers"
    snap = write_json(tmp_path / "surrogate.json", data)
    run = run_cli(
        ["evaluate", str(snap), "--output-dir", str(tmp_path / "o"), "--format", "sarif"],
        timeout=60,
    )
    one_clear_error(run, "surrogate.json", "DBClusterIdentifier", "surrogate")


@pytest.mark.parametrize("verb", ["diff", "report", "merge"])
def test_lone_surrogate_in_a_results_name_is_exit_2(
    run_cli: Any, tmp_path: Path, verb: str
) -> None:
    data = file_form(result([finding("x", "FAIL")]))
    data["findings"][0]["resource_name"] = "ord\ud800ers"
    bad = write_json(tmp_path / "bad-results.json", data)
    good = write_json(tmp_path / "good.json", file_form(result([finding("y", "PASS")])))
    args = {
        "diff": ["diff", str(good), str(bad)],
        "report": ["report", str(bad), "--output-dir", str(tmp_path / "o"), "--format", "sarif"],
        "merge": ["merge", str(good), str(bad), "--output-dir", str(tmp_path / "o")],
    }[verb]
    run = run_cli(args, timeout=60)
    one_clear_error(run, "bad-results.json", "resource_name", "surrogate")


@pytest.mark.parametrize(
    "attr",
    ["(" * 3000 + "Engine" + ")" * 3000, "!" * 3000 + "Engine"],
    ids=["parentheses", "negations"],
)
def test_deeply_nested_jmespath_is_exit_2(cli: Any, tmp_path: Path, attr: str) -> None:
    folder = tmp_path / "deep"
    folder.mkdir()
    policy = {
        "id": "custom.deep",
        "title": "Deep expression",
        "severity": "high",
        "resource": "aws.rds.db_cluster",
        "require": {"attr": attr, "op": "exists"},
        "message": "m",
    }
    (folder / "custom.deep.yaml").write_text(yaml.safe_dump(policy))
    run = cli(["policies", "validate", "--policies", str(folder), "--no-builtin"])
    one_clear_error(run, "custom.deep.yaml", "$.require.attr", "nested")
    assert len(run.stderr) < 1000  # the expression is not echoed in full


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Path:
    """An existing directory in which no file can be created."""
    if os.geteuid() == 0:  # root ignores permission bits: sysfs refuses new files
        if not Path("/sys/kernel").is_dir():
            pytest.skip("no directory read-only to root here")
        return Path("/sys/kernel")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


def test_read_only_output_dir_is_exit_2(run_cli: Any, tmp_path: Path, read_only_dir: Path) -> None:
    snap = write_json(tmp_path / "snapshot.json", snapshot_data())
    run = run_cli(["evaluate", str(snap), "--output-dir", str(read_only_dir)], timeout=60)
    one_clear_error(run, str(read_only_dir), "--output-dir", "cannot write the reports")


def _sizes(run_cli: Any, snap: Path, tmp_path: Path) -> dict[str, int]:
    out = tmp_path / "measure"
    run = run_cli(["evaluate", str(snap), "--output-dir", str(out), "--format", "json,html"])
    assert run.code in (0, 1), run.stderr
    return {p.name: p.stat().st_size for p in out.iterdir()}


def test_full_disk_leaves_every_previous_report_as_it_was(run_cli: Any, tmp_path: Path) -> None:
    snap = write_json(tmp_path / "snapshot.json", snapshot_data())
    sizes = _sizes(run_cli, snap, tmp_path)
    # The disk "fills" between the smaller and the larger report: the first
    # format rendered fits, the second does not (RLIMIT_FSIZE -> EFBIG).
    small, large = sorted(sizes, key=sizes.__getitem__)
    assert sizes[small] < sizes[large]
    limit = (sizes[small] + sizes[large]) // 2
    formats = ",".join({"results.json": "json", "report.html": "html"}[n] for n in (small, large))

    def full_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    out = tmp_path / "reports"
    out.mkdir()
    old = {name: f"previous {name}\n" for name in sizes}
    for name, text in old.items():
        (out / name).write_text(text)
    run = run_cli(
        ["evaluate", str(snap), "--output-dir", str(out), "--format", formats],
        timeout=60,
        preexec=full_disk,
    )
    one_clear_error(run, str(out), "--output-dir", "cannot write the reports")
    assert {p.name: p.read_text() for p in out.iterdir()} == old  # no new, no temporaries


def test_unclosed_ipv6_endpoint_url_is_exit_2(run_cli: Any, tmp_path: Path) -> None:
    run = run_cli(
        [
            "collect",
            "--endpoint-url",
            "http://[::1",
            "--region",
            "us-east-1",
            "--output",
            str(tmp_path / "s.json"),
        ],
        timeout=60,
    )
    one_clear_error(run, "--endpoint-url", "http://[::1")
