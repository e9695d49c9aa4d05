import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klynge.settings")
application = get_wsgi_application()

# Import the URL configuration (every view and the API schema) now, not on the first request:
# under `gunicorn --preload` this happens once, before the workers are forked.
import klynge.urls  # noqa: E402, F401
