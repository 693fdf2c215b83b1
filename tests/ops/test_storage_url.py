"""STORAGE_URL and the AWS_* variables choose where files live (ops/storage.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ops.storage import S3_BACKEND, storage_from_aws_env, storage_from_url

ROOT = Path(__file__).resolve().parent.parent.parent


def test_s3_url_over_plain_http_with_region_prefix_and_expiry():
    entry = storage_from_url(
        "s3+http://KEY:S%2Fecret@127.0.0.1:17333/riskreg?region=cn-north-1&prefix=city/&expire=60"
    )
    options = entry["OPTIONS"]
    assert entry["BACKEND"] == S3_BACKEND
    assert options["endpoint_url"] == "http://127.0.0.1:17333"
    assert (options["access_key"], options["secret_key"]) == ("KEY", "S/ecret")
    assert (options["bucket_name"], options["region_name"]) == ("riskreg", "cn-north-1")
    assert options["location"] == "city" and options["querystring_expire"] == 60
    # Private objects; any URL handed out is signed.
    assert options["default_acl"] is None and options["querystring_auth"] is True


def test_s3_url_defaults_to_https():
    options = storage_from_url("s3://k:s@s3.example.gov.cn/files")["OPTIONS"]
    assert options["endpoint_url"] == "https://s3.example.gov.cn"
    assert options["region_name"] == "us-east-1"


def test_file_url_is_a_folder_on_disk():
    entry = storage_from_url("file:///srv/riskreg/media")
    assert entry["OPTIONS"] == {"location": "/srv/riskreg/media"}


@pytest.mark.parametrize(
    "url", ["ftp://host/bucket", "s3://k:s@host", "s3://k:s@host/a/b", "s3:///bucket", "file://"]
)
def test_malformed_urls_are_refused_with_the_expected_format(url):
    with pytest.raises(ImproperlyConfigured, match="STORAGE_URL"):
        storage_from_url(url)


def test_aws_variables_name_a_bucket():
    assert storage_from_aws_env({}) is None
    entry = storage_from_aws_env(
        {
            "AWS_STORAGE_BUCKET_NAME": "riskreg",
            "AWS_ACCESS_KEY_ID": "k",
            "AWS_SECRET_ACCESS_KEY": "s",
            "AWS_S3_ENDPOINT_URL": "http://10.0.0.20:8333",
        }
    )
    assert entry["BACKEND"] == S3_BACKEND
    assert entry["OPTIONS"]["endpoint_url"] == "http://10.0.0.20:8333"
    assert entry["OPTIONS"]["bucket_name"] == "riskreg"


def _settings_value(expression: str, **env) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    for name in ("STORAGE_URL", "DATABASE_REPLICA_URL", "PGBOUNCER", "AWS_STORAGE_BUCKET_NAME"):
        clean.pop(name, None)
    clean.update(DJANGO_SETTINGS_MODULE="riskreg.settings", DEBUG="1", **env)
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_settings_local_disk_by_default_and_s3_with_storage_url():
    assert "FileSystemStorage" in _settings_value('settings.STORAGES["default"]["BACKEND"]')
    assert (
        _settings_value('settings.STORAGES["default"]["BACKEND"]', STORAGE_URL="s3://k:s@h:1/b")
        == S3_BACKEND
    )


def test_settings_pgbouncer_and_replica():
    url = "postgres://u@127.0.0.1:6432/riskreg"
    value = _settings_value(
        'settings.DATABASES["default"].get("DISABLE_SERVER_SIDE_CURSORS"), '
        'settings.DATABASES["default"]["CONN_HEALTH_CHECKS"], '
        'settings.DATABASES["replica"]["PORT"], settings.DATABASES["replica"]["TEST"]["MIRROR"]',
        DATABASE_URL=url,
        PGBOUNCER="1",
        DATABASE_REPLICA_URL="postgres://u@127.0.0.1:5433/riskreg",
    )
    assert value == "True True 5433 default"
    assert (
        _settings_value(
            'settings.DATABASES["default"].get("DISABLE_SERVER_SIDE_CURSORS", False), '
            '"replica" in settings.DATABASES',
            DATABASE_URL=url,
        )
        == "False False"
    )
