"""WSGI entry point (gunicorn.conf.py warms it before the workers serve)."""

from directory import create_app

app = create_app()
