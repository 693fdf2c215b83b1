"""The production topology's parts on one machine, each a real component in a temporary
folder on 127.0.0.1: PostgreSQL primary and streaming replica (pg_basebackup), PgBouncer,
SeaweedFS S3, nginx in front of app servers. Used by `make cluster-test`
(scripts/cluster_test.py) and the province benchmark (bench/cases_province.py); every process
is started in a session of its own and stopped by its PID in Cluster.teardown().
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from httpclient import requests  # scripts/httpclient.py

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
PORTS = {
    "primary": 17432,
    "replica": 17433,
    "pgbouncer": 17632,
    "s3": 17333,
    "weed_master": 17334,
    "weed_volume": 17335,
    "weed_filer": 17336,
    "app_a": 17801,
    "app_b": 17802,
    "nginx": 17800,
}
S3_KEY, S3_SECRET, BUCKET = "riskreg", "riskreg-cluster-secret", "riskreg-cluster"
STARTED = time.monotonic()


def pg_bin() -> Path:
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not versions:
        sys.exit("PostgreSQL server binaries not found (apt-get install postgresql)")
    return versions[-1]


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def wait_for(what: str, check: Callable[[], bool], timeout: float = 60, every: float = 0.2):
    """Poll `check` until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:
            last_error = exc
        time.sleep(every)
    raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what} ({last_error!r})")


# ------------------------------------------------------------------------------- processes


def alive(proc: subprocess.Popen, name: str) -> bool:
    if proc.poll() is not None:
        raise SystemExit(f"{name} exited with status {proc.returncode} (see its log)")
    return True


class Cluster:
    """Processes in a temporary folder, stopped by their PID in teardown().

    `ports` names each service's port (PORTS: the cluster test's). The primary's durability
    and memory are parameters: the cluster test runs with fsync off and 64 MB of shared
    buffers (fast, nothing to keep); a benchmark asks for fsync on and more memory; `settings`
    are further postgresql.conf lines (name → value)."""

    def __init__(
        self,
        ports: dict[str, int] | None = None,
        *,
        fsync: bool = False,
        shared_buffers: str = "64MB",
        settings: dict[str, str] | None = None,
        prefix: str = "riskreg-cluster-",
    ) -> None:
        self.ports = dict(ports or PORTS)
        self.fsync = fsync
        self.shared_buffers = shared_buffers
        self.settings = dict(settings or {})
        self.tmp = Path(tempfile.mkdtemp(prefix=prefix))
        self.tmp.chmod(0o755)
        self.procs: dict[str, subprocess.Popen] = {}
        self.pg_dirs: dict[str, Path] = {}
        self.as_postgres = os.geteuid() == 0
        self.pg = pg_bin()
        self.logs = self.tmp / "logs"
        self.logs.mkdir()
        self.logs.chmod(0o777)

    # --- helpers
    def pg_cmd(self, *args: str) -> list[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        return [*prefix, *args]

    def run(self, args: list[str], *, env=None, timeout=300, quiet=True) -> str:
        result = subprocess.run(
            args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def start(self, name: str, args: list[str], *, env=None) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            args, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)  # the process group: gunicorn's master and its workers
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)

    def teardown(self) -> None:
        for name in reversed(list(self.procs)):
            self.kill(name, signal.SIGTERM)
        for data in self.pg_dirs.values():
            if (data / "postmaster.pid").exists():
                subprocess.run(
                    self.pg_cmd(
                        str(self.pg / "pg_ctl"), "-D", str(data), "stop", "-m", "immediate"
                    ),
                    capture_output=True,
                    timeout=60,
                )
            pid_file = data / "postmaster.pid"
            if pid_file.exists():  # pg_ctl failed: the postmaster by its PID
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
        if os.environ.get("CLUSTER_KEEP"):
            say(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # --- PostgreSQL
    def pg_ctl(self, name: str, *args: str) -> None:
        data = self.pg_dirs[name]
        self.run(
            self.pg_cmd(
                str(self.pg / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(self.logs / f"{name}-pg.log"),
                "-w",
                "-t",
                "60",
                *args,
            ),
            timeout=120,
        )

    def pg_ready(self, port: int) -> bool:
        return (
            subprocess.run(
                [
                    str(self.pg / "pg_isready"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-U",
                    "postgres",
                    "-q",
                ],
                timeout=10,
            ).returncode
            == 0
        )

    def start_postgres(self) -> None:
        pgroot = self.tmp / "pg"
        pgroot.mkdir()
        if self.as_postgres:
            shutil.chown(pgroot, "postgres", "postgres")
        primary = pgroot / "primary"
        self.pg_dirs["primary"] = primary
        self.run(
            self.pg_cmd(
                str(self.pg / "initdb"),
                "-D",
                str(primary),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C.UTF-8",
            )
        )
        conf = (
            f"port = {self.ports['primary']}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{pgroot}'\nwal_level = replica\n"
            "max_wal_senders = 5\nhot_standby = on\nmax_connections = 100\n"
            f"fsync = {'on' if self.fsync else 'off'}\nshared_buffers = {self.shared_buffers}\n"
            + "".join(f"{name} = {value}\n" for name, value in self.settings.items())
        )
        self._append(primary / "postgresql.conf", conf)
        self.pg_ctl("primary", "start")
        self.run(
            [
                str(self.pg / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.ports["primary"]),
                "-U",
                "postgres",
                "riskreg",
            ]
        )

    def start_replica(self, timeout: float = 300) -> None:
        replica = self.tmp / "pg" / "replica"
        self.pg_dirs["replica"] = replica
        self.run(
            self.pg_cmd(
                str(self.pg / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.ports["primary"]),
                "-U",
                "postgres",
                "-D",
                str(replica),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ),
            timeout=timeout,
        )
        self._append(replica / "postgresql.conf", f"port = {self.ports['replica']}\n")
        self.pg_ctl("replica", "start")

    def _append(self, path: Path, text: str) -> None:
        # The file belongs to postgres; root appends and keeps the owner.
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)

    # --- PgBouncer
    def start_pgbouncer(self) -> None:
        folder = self.tmp / "pgbouncer"
        folder.mkdir()
        (folder / "users.txt").write_text('"postgres" ""\n')
        ini = folder / "pgbouncer.ini"
        ini.write_text(
            "[databases]\n"
            f"riskreg = host=127.0.0.1 port={self.ports['primary']} dbname=riskreg user=postgres\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.ports['pgbouncer']}\n"
            f"unix_socket_dir = {folder}\nauth_type = trust\nauth_file = {folder / 'users.txt'}\n"
            "pool_mode = transaction\nmax_client_conn = 200\ndefault_pool_size = 20\n"
            "server_check_delay = 0\nserver_login_retry = 1\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
        )
        if self.as_postgres:
            for path in (folder, folder / "users.txt", ini):
                shutil.chown(path, "postgres", "postgres")
        self.start("pgbouncer", self.pg_cmd("/usr/sbin/pgbouncer", str(ini)))
        wait_for("PgBouncer", lambda: self.pg_ready(self.ports["pgbouncer"]), 30)

    # --- SeaweedFS
    def start_seaweed(self) -> None:
        folder = self.tmp / "weed"
        folder.mkdir()
        s3_config = folder / "s3.json"
        s3_config.write_text(json.dumps(s3_identities()))
        proc = self.start("seaweedfs", weed_command(folder, s3_config))
        wait_for("SeaweedFS S3", lambda: alive(proc, "weed") and s3_bucket_ready(), 90, every=0.5)

    # --- nginx
    def start_nginx(self) -> None:
        folder = self.tmp / "nginx"
        folder.mkdir()
        for sub in ("client", "proxy", "fastcgi", "uwsgi", "scgi"):
            (folder / sub).mkdir()
            (folder / sub).chmod(0o777)
        conf = folder / "nginx.conf"
        conf.write_text(
            (ROOT / "deploy" / "test" / "nginx-cluster.conf")
            .read_text()
            .replace("@TMP@", str(folder))
            .replace("@NGINX_PORT@", str(self.ports["nginx"]))
            .replace("@APP_A@", str(self.ports["app_a"]))
            .replace("@APP_B@", str(self.ports["app_b"]))
        )
        self.run(["/usr/sbin/nginx", "-t", "-p", str(folder), "-c", str(conf)])
        self.start("nginx", ["/usr/sbin/nginx", "-p", str(folder), "-c", str(conf)])
        url = f"http://127.0.0.1:{self.ports['nginx']}/healthz"
        wait_for("nginx", lambda: requests.get(url, timeout=5).ok, 30)


def s3_identities() -> dict:
    return {
        "identities": [
            {
                "name": "riskreg",
                "credentials": [{"accessKey": S3_KEY, "secretKey": S3_SECRET}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }


def weed_command(folder: Path, s3_config: Path) -> list[str]:
    p = PORTS
    return [
        str(BIN / "weed"), "server", "-ip", "127.0.0.1", "-ip.bind", "127.0.0.1",
        "-dir", str(folder), "-master.port", str(p["weed_master"]),
        "-master.port.grpc", str(p["weed_master"] + 10),
        "-volume.port", str(p["weed_volume"]), "-volume.port.grpc", str(p["weed_volume"] + 10),
        "-filer", "-filer.port", str(p["weed_filer"]),
        "-filer.port.grpc", str(p["weed_filer"] + 10),
        "-s3", "-s3.port", str(p["s3"]), "-s3.port.grpc", str(p["s3"] + 14),
        "-s3.port.iceberg", "0", "-s3.port.lance", "0", "-s3.config", str(s3_config),
        "-master.volumeSizeLimitMB", "64", "-volume.max", "8", "-metricsPort", "0",
    ]  # fmt: skip


def s3_client():
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{PORTS['s3']}",
        aws_access_key_id=S3_KEY,
        aws_secret_access_key=S3_SECRET,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def s3_bucket_ready() -> bool:
    client = s3_client()
    names = [b["Name"] for b in client.list_buckets().get("Buckets", [])]
    if BUCKET not in names:
        client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key="probe.txt", Body=b"ok")
    return client.get_object(Bucket=BUCKET, Key="probe.txt")["Body"].read() == b"ok"
