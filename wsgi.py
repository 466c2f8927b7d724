"""Entry point for gunicorn: `gunicorn wsgi:app`. APP_CONFIG selects the config."""

import os

from assets import create_app

app = create_app(os.environ.get("APP_CONFIG", "production"))
