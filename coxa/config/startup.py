"""What gunicorn's master loads before it forks: all that a worker would load on first use.

Pages and commands import some libraries where they use them, not with the URL map, and the
JSON API is imported on its first request (``urls.Deferred``): a fresh process answers its
first request sooner (issue 20). A preloading master imports them all the same, so that each
worker shares one copy instead of loading its own on its first such request.
"""

from importlib import import_module

from coxa.core.loading import start_up

# What pages and commands import on first use rather than with the URL map. The analytics'
# libraries are not among them: the web workers never compute analytics (coxa worker does).
ON_FIRST_USE = (
    "coxa.config.api",  # the JSON API: its routers and their schemas
    "fhir.resources.R4B",  # the FHIR API's validation (interop.domain.validation)
    "jwt",  # connected systems' signed JWTs (accounts.services.smart)
    "icalendar",  # the recovery plan as a calendar (surgery.documents)
)


def preload() -> None:
    """Load the URL map, ON_FIRST_USE and the catalogue, collecting no garbage meanwhile."""
    from django.urls import get_resolver  # noqa: PLC0415

    from coxa.catalogue.loader import get_catalogue  # noqa: PLC0415

    with start_up():
        get_resolver().url_patterns  # noqa: B018  # imports the URL map and every page's module
        for name in ON_FIRST_USE:
            import_module(name)
        get_catalogue()
