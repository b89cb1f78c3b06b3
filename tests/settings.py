"""Test settings: the project's settings with faster hashing and in-process tasks.

The database is whatever DATABASE_URL says (PostgreSQL in CI, see .ci/run). Tests that claim
Celery behaviour start a real worker themselves (tests/tallies/test_celery_worker.py).
"""

import os

os.environ.setdefault("DEBUG", "1")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING["root"]["level"] = "WARNING"  # type: ignore[index]  # noqa: F405
OTP_REQUIRED_FOR_COORDINATORS = False  # tests opt in with tests/otp.py
# Tests read messages in English unless they ask for a language (the product defaults to Russian).
LANGUAGE_CODE = "en"
SIGN_UP_RATE = "1000/minute"  # the sign-up throttle has its own test, with its own rate
# Stored results are refreshed as soon as asked; tests/tallies/test_refresh_rest.py sets the rest.
STORED_FIGURES_REST_SHARE = 0.0
STORED_FIGURES_MIN_REST = 0
