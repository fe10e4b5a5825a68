"""WSGI entry point (gunicorn ``coxa.config.wsgi``).

Importing it loads the site, its URL map and every page's module with it, so that a worker's
first request does not wait for them; without the garbage collector while it loads
(``core.loading``, issue 20).
"""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from coxa.core.loading import start_up

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coxa.config.settings")
with start_up():
    application = get_wsgi_application()
    get_resolver().url_patterns  # noqa: B018  # the URL map, now rather than on a first request
