"""Settings for the test suite: the production settings with fast hashing and in-memory mail."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("HTTPS", "0")

from riskreg.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# The test runner empties SQLite tables with DELETE between transactional tests; the tests of
# the audit trigger turn this back off.
AUDIT_DELETE_UNGUARDED = True
AUDIT_DIGEST_KEY = "test-only-audit-digest-key"
