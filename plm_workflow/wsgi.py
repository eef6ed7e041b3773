"""WSGI entry point, e.g. ``gunicorn plm_workflow.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plm_workflow.settings.production")

application = get_wsgi_application()
