"""Settings of the benchmark process and of its gunicorn server: the project's, plus bench URLs.

Run with DEBUG off (so no query log grows in memory) and a throwaway SECRET_KEY. Static files
use the plain storage, so the coordinator pages render without a `collectstatic` manifest.
Coordinators' second factor is off: the bench logs one in with the test client.
"""

import os
import secrets

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
OTP_REQUIRED_FOR_COORDINATORS = False
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tally jobs queued by the API server go to their own queue, emptied after the run (bench.p1_api).
CELERY_TASK_DEFAULT_QUEUE = "bench"
