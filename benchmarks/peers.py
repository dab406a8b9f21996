"""Peer scanners for the side-by-side benchmark: Prowler and Cloud Custodian.

Each peer lives in its own virtual environment under ``.bench/venvs/``
(gitignored), created with pip from PyPI on first use and reused after.
A peer that cannot be installed or run is reported "n/a" with the reason;
it never stops the benchmark.

Every peer runs with fake credentials, ``AWS_ENDPOINT_URL`` pointing at the
benchmark's moto server on 127.0.0.1, instance metadata disabled, an empty
HOME and AWS config, and HTTP(S)_PROXY set to a *trap proxy* on 127.0.0.1
(NO_PROXY=127.0.0.1,localhost). Anything that tries to leave the machine
(an STS global endpoint, another region's hostname, a version check on the
internet) reaches the trap instead of the network: the trap answers 403,
records the host, and the benchmark kills that peer and reports it with a
note. So all traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / ".bench"
VENVS = BENCH_DIR / "venvs"


class PeerUnavailable(Exception):
    """The peer cannot be installed or started; the message says why."""


@dataclass(frozen=True)
class Peer:
    name: str
    package: str
    executable: str

    @property
    def venv(self) -> Path:
        return VENVS / self.name

    @property
    def exe(self) -> Path:
        return self.venv / "bin" / self.executable

    def ensure_installed(self, log: Path) -> Path:
        """The peer's executable, installing it into its venv the first time."""
        if self.exe.exists():
            return self.exe
        VENVS.mkdir(parents=True, exist_ok=True)
        python = shutil.which("python3.11") or sys.executable
        steps = [
            [python, "-m", "venv", str(self.venv)],
            [str(self.venv / "bin" / "python"), "-m", "pip", "install", "--quiet", self.package],
        ]
        with log.open("a") as out:
            for step in steps:
                print(f"  installing {self.package} into {self.venv} ...", file=sys.stderr)
                try:
                    done = subprocess.run(step, stdout=out, stderr=out, timeout=1800)
                except (OSError, subprocess.TimeoutExpired) as exc:
                    raise PeerUnavailable(f"install failed: {exc}") from exc
                if done.returncode != 0:
                    shutil.rmtree(self.venv, ignore_errors=True)
                    raise PeerUnavailable(f"pip install {self.package} failed (see {log})")
        if not self.exe.exists():
            raise PeerUnavailable(f"{self.package} installed but {self.executable} is missing")
        return self.exe

    def version(self) -> str:
        try:
            done = subprocess.run(
                [str(self.venv / "bin" / "python"), "-m", "pip", "show", self.package],
                capture_output=True,
                text=True,
                timeout=60,
            )
        except (OSError, subprocess.TimeoutExpired):
            return "?"
        for line in done.stdout.splitlines():
            if line.startswith("Version:"):
                return line.split(":", 1)[1].strip()
        return "?"


PROWLER = Peer("prowler", "prowler", "prowler")
CUSTODIAN = Peer("custodian", "c7n", "custodian")


def prowler_argv(exe: Path, out_dir: Path, region: str) -> list[str]:
    return [
        str(exe),
        "aws",
        "--service",
        "rds",
        "-f",
        region,
        "--no-banner",
        "--ignore-exit-code-3",
        "--output-formats",
        "json-ocsf",
        "--output-directory",
        str(out_dir),
    ]


def custodian_argv(exe: Path, out_dir: Path, region: str) -> list[str]:
    policies = out_dir / "aurora-policies.yml"
    policies.write_text(CUSTODIAN_POLICIES)
    return [
        str(exe),
        "run",
        "--region",
        region,
        "--output-dir",
        str(out_dir / "output"),
        # A fresh cache per run: custodian shares describes between the
        # policies of one run (fair), but must not reuse them across runs.
        "--cache",
        str(out_dir / "cache.pkl"),
        str(policies),
    ]


def peer_env(endpoint: str, region: str, home: Path, trap_url: str) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    empty = home / "aws-config"
    empty.write_text("")
    keep = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TZ") if k in os.environ}
    return {
        **keep,
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_DISABLED": "true",
        "HTTP_PROXY": trap_url,
        "HTTPS_PROXY": trap_url,
        "http_proxy": trap_url,
        "https_proxy": trap_url,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }


class TrapProxy:
    """An HTTP(S) proxy on 127.0.0.1 that forwards nothing and remembers who asked."""

    def __init__(self) -> None:
        self.attempts: list[str] = []
        trap = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                try:
                    line = self.rfile.readline(4096).decode("latin-1").strip()
                except OSError:
                    return
                parts = line.split()
                target = parts[1] if len(parts) > 1 else line
                trap.attempts.append(target)
                with contextlib.suppress(OSError):
                    self.wfile.write(
                        b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> TrapProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def loopback_only(host: str) -> bool:
    try:
        return all(
            info[4][0].startswith("127.") or info[4][0] == "::1"
            for info in socket.getaddrinfo(host, None)
        )
    except OSError:
        return False


# Cloud Custodian policies equivalent to as much of our catalogue as custodian
# can express with its own filters (no custom code): value filters on the
# describe records, plus its kms-key, security-group, cross-account and
# db-cluster-parameter filters, which make their own API calls. No actions:
# the run is read-only like ours.
CUSTODIAN_POLICIES = """\
policies:
  - name: aurora-cluster-storage-encrypted
    resource: aws.rds-cluster
    filters: [{StorageEncrypted: false}]
  - name: aurora-cluster-kms-customer-managed-key
    resource: aws.rds-cluster
    filters:
      - StorageEncrypted: true
      - {type: kms-key, key: "c7n:AliasName", value: alias/aws/rds}
  - name: aurora-cluster-deletion-protection
    resource: aws.rds-cluster
    filters: [{DeletionProtection: false}]
  - name: aurora-cluster-backup-retention
    resource: aws.rds-cluster
    filters: [{type: value, key: BackupRetentionPeriod, op: lt, value: 7}]
  - name: aurora-cluster-iam-auth
    resource: aws.rds-cluster
    filters: [{IAMDatabaseAuthenticationEnabled: false}]
  - name: aurora-cluster-copy-tags-to-snapshot
    resource: aws.rds-cluster
    filters: [{CopyTagsToSnapshot: false}]
  - name: aurora-cluster-log-exports
    resource: aws.rds-cluster
    filters: [{type: value, key: EnabledCloudwatchLogsExports, value: empty}]
  - name: aurora-mysql-audit-log-export
    resource: aws.rds-cluster
    filters:
      - Engine: aurora-mysql
      - not: [{type: value, key: EnabledCloudwatchLogsExports, op: contains, value: audit}]
  - name: aurora-mysql-backtrack
    resource: aws.rds-cluster
    filters:
      - Engine: aurora-mysql
      - or: [{BacktrackWindow: absent}, {BacktrackWindow: 0}]
  - name: aurora-cluster-multi-az
    resource: aws.rds-cluster
    filters: [{MultiAZ: false}]
  - name: aurora-cluster-non-default-port
    resource: aws.rds-cluster
    filters: [{type: value, key: Port, op: in, value: [3306, 5432]}]
  - name: aurora-cluster-custom-admin-username
    resource: aws.rds-cluster
    filters: [{type: value, key: MasterUsername, op: in, value: [admin, postgres, root, master]}]
  - name: aurora-cluster-master-password-managed
    resource: aws.rds-cluster
    filters: [{MasterUserSecret: absent}]
  - name: aurora-cluster-activity-stream
    resource: aws.rds-cluster
    filters: [{type: value, key: ActivityStreamStatus, op: ne, value: started}]
  - name: aurora-cluster-auto-minor-version-upgrade
    resource: aws.rds-cluster
    filters: [{AutoMinorVersionUpgrade: false}]
  - name: aurora-cluster-sg-world-ingress
    resource: aws.rds-cluster
    filters:
      - type: security-group
        key: "IpPermissions[].IpRanges[].CidrIp"
        op: contains
        value: 0.0.0.0/0
  - name: aurora-cluster-custom-parameter-group
    resource: aws.rds-cluster
    filters: [{type: value, key: DBClusterParameterGroup, op: regex, value: "^default\\\\..*"}]
  - name: aurora-postgresql-tls-enforced
    resource: aws.rds-cluster
    filters:
      - Engine: aurora-postgresql
      - {type: db-cluster-parameter, key: rds.force_ssl, op: ne, value: "1"}
  - name: aurora-mysql-tls-enforced
    resource: aws.rds-cluster
    filters:
      - Engine: aurora-mysql
      - type: db-cluster-parameter
        key: require_secure_transport
        op: not-in
        value: ["ON", "1"]
  - name: aurora-mysql-advanced-auditing
    resource: aws.rds-cluster
    filters:
      - Engine: aurora-mysql
      - {type: db-cluster-parameter, key: server_audit_logging, op: ne, value: "1"}
  - name: aurora-cluster-required-tags
    resource: aws.rds-cluster
    filters: [{"tag:owner": absent}]
  - name: aurora-instance-not-publicly-accessible
    resource: aws.rds
    filters: [{DBClusterIdentifier: present}, {PubliclyAccessible: true}]
  - name: aurora-instance-enhanced-monitoring
    resource: aws.rds
    filters: [{DBClusterIdentifier: present}, {MonitoringInterval: 0}]
  - name: aurora-instance-performance-insights
    resource: aws.rds
    filters: [{DBClusterIdentifier: present}, {PerformanceInsightsEnabled: absent}]
  - name: aurora-cluster-snapshot-encrypted
    resource: aws.rds-cluster-snapshot
    filters: [{StorageEncrypted: false}]
  - name: aurora-cluster-snapshot-not-shared
    resource: aws.rds-cluster-snapshot
    filters: [{type: cross-account}]
"""
