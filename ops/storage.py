"""STORAGE_URL → Django's STORAGES["default"] (read by riskreg/settings.py).

Formats:
    file:///var/lib/riskreg/media                  local disk (the default is MEDIA_ROOT)
    s3://KEY:SECRET@s3.example.gov.cn/bucket       S3 over HTTPS
    s3+http://KEY:SECRET@10.0.0.20:8333/bucket     S3 over plain HTTP (a store on the LAN)
Query options: region=…, prefix=… (a folder inside the bucket), expire=… (seconds a signed
URL lasts, default 300). Key and secret are URL-encoded when they hold special characters.
Objects are private; downloads go through the permission-checked views.
"""

from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "storages.backends.s3.S3Storage"
FILE_BACKEND = "django.core.files.storage.FileSystemStorage"


def _s3_options(**extra) -> dict:
    return {
        "default_acl": None,  # private objects, no public-read ACL
        "querystring_auth": True,  # any URL handed out is signed and short-lived
        "querystring_expire": 300,
        "file_overwrite": False,
        "addressing_style": "path",
        "signature_version": "s3v4",
        **extra,
    }


def storage_from_url(url: str) -> dict:
    """The STORAGES["default"] entry for a STORAGE_URL."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured(
                "STORAGE_URL file:/// needs a folder, e.g. file:///srv/media"
            )
        return {"BACKEND": FILE_BACKEND, "OPTIONS": {"location": unquote(parts.path)}}
    if parts.scheme not in {"s3", "s3+http", "s3+https"}:
        raise ImproperlyConfigured(
            f"STORAGE_URL must start with file://, s3:// or s3+http://, got {parts.scheme!r}"
        )
    bucket = parts.path.strip("/")
    if not parts.hostname or not bucket or "/" in bucket:
        raise ImproperlyConfigured("STORAGE_URL must look like s3://KEY:SECRET@host[:port]/bucket")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    scheme = "http" if parts.scheme == "s3+http" else "https"
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    extra = {
        "bucket_name": bucket,
        "endpoint_url": f"{scheme}://{host}",
        "access_key": unquote(parts.username or ""),
        "secret_key": unquote(parts.password or ""),
        "region_name": query.get("region", "us-east-1"),
    }
    if query.get("prefix"):
        extra["location"] = query["prefix"].strip("/")
    if query.get("expire"):
        extra["querystring_expire"] = int(query["expire"])
    return {"BACKEND": S3_BACKEND, "OPTIONS": _s3_options(**extra)}


def storage_from_aws_env(env: dict) -> dict | None:
    """The S3 entry from the AWS_* variables django-storages knows, when a bucket is named."""
    bucket = env.get("AWS_STORAGE_BUCKET_NAME")
    if not bucket:
        return None
    extra = {"bucket_name": bucket}
    for name, option in (
        ("AWS_ACCESS_KEY_ID", "access_key"),
        ("AWS_SECRET_ACCESS_KEY", "secret_key"),
        ("AWS_S3_ENDPOINT_URL", "endpoint_url"),
        ("AWS_S3_REGION_NAME", "region_name"),
        ("AWS_LOCATION", "location"),
    ):
        if env.get(name):
            extra[option] = env[name]
    return {"BACKEND": S3_BACKEND, "OPTIONS": _s3_options(**extra)}


def storage_kind(backend: str) -> str:
    return "s3" if backend == S3_BACKEND else "local"
