"""WSGI entry point (gunicorn config.wsgi; runserver loads it too)."""

import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from config.apps import engines  # noqa: E402  (needs the apps loaded above)

logging.getLogger("config").info(engines())
