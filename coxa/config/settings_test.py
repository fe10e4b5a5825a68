"""Settings for the test suite: the main settings with fast, safe overrides."""

import os

os.environ.setdefault("COXA_DEBUG", "false")
os.environ.setdefault("COXA_SECRET_KEY", "coxa-test-suite-key-not-secret")
os.environ.setdefault("COXA_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("COXA_SECURE_COOKIES", "false")

from coxa.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# The test harness empties the database between transactional tests (`flush`); the audit's
# triggers allow that flush only here (coxa.core.audit_guard, ADR 0011).
AUDIT_ERASABLE_BY_TEST_FLUSH = True
# Each test process keeps its computed results in its own memory (emptied between tests).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "counts": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "counts"},
}
# A task runs at once, inside the request or command that queues it, so a page's test sees
# its result; tests of the queue itself ask for the database's queue (fixture
# `database_queue` in coxa/conftest.py).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
