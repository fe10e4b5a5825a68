"""Coxa's URL map: / public, /staff/ workspace, /portal/ patients, /api/v1/ JSON, /healthz.

And /metrics, for Prometheus (config.metrics, ADR 0031); /oauth/token and the SMART
configuration, for connected systems (ADR 0033).

The JSON API is imported on its first request, or the first link made to one of its names:
its routers and their schemas were most of a page's first request (issue 20). gunicorn
imports it before forking its workers (``config.startup.preload``).
"""

from django.contrib.auth import views as auth_views
from django.urls import URLResolver, include, path
from django.urls.resolvers import RoutePattern

from coxa.accounts import views as account_views
from coxa.accounts.access import public
from coxa.accounts.permissions import Op
from coxa.accounts.views import smart as smart_views
from coxa.config.health import healthz, ready
from coxa.config.metrics import metrics
from coxa.core.web import API_PREFIX, FHIR_PREFIX
from coxa.outcomes import views as outcome_views
from coxa.portal import views as portal_views
from coxa.workspace import views as workspace_views


class Deferred(URLResolver):
    """An include whose module is imported when a request or a link needs it, not before.

    Django indexes the map's names by asking every include to index its own; a namespaced
    include's names are looked up through it (``reverse("api:...")`` reads its patterns,
    which imports the module), so until then it has nothing to add.
    """

    def _populate(self) -> None:
        if "urlconf_module" in self.__dict__:  # Django's cached_property: imported already
            super()._populate()


# The API's module, with the application name and namespace its NinjaAPI gives (a test holds
# them to ``api.urls``).
API = Deferred(
    RoutePattern(API_PREFIX.lstrip("/"), is_endpoint=False),
    "coxa.config.api",
    app_name="ninja",
    namespace="api",
)

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("procedures/", portal_views.procedures, name="procedures"),
    path("procedures/<slug:code>/", portal_views.procedure, name="procedure"),
    path("healthz", healthz, name="healthz"),
    path("healthz/ready", ready, name="healthz-ready"),
    # Prometheus (ADR 0031): COXA_METRICS_TOKEN, or straight from this host.
    path("metrics", metrics, name="metrics"),
    # SMART Backend Services (ADR 0033): a connected system's token, and how to ask for one;
    # the configuration under the FHIR base too, as SMART puts it (before any /fhir/ include).
    path("oauth/token", smart_views.token, name="oauth-token"),
    path(".well-known/smart-configuration", smart_views.configuration, name="smart-configuration"),
    path(
        "fhir/.well-known/smart-configuration",
        smart_views.configuration,
        name="fhir-smart-configuration",
    ),
    path("accounts/login/", public(Op.PAGE_SIGN_IN)(account_views.SignIn.as_view()), name="login"),
    path(
        "accounts/login/code/",
        public(Op.PAGE_SIGN_IN)(account_views.sign_in_code),
        name="login-code",
    ),
    path("accounts/two-factor/", account_views.two_factor, name="two-factor"),
    path(
        "accounts/logout/", public(Op.PAGE_SIGN_OUT)(auth_views.LogoutView.as_view()), name="logout"
    ),
    path("accounts/welcome/", account_views.after_login, name="after-login"),
    path("staff/", workspace_views.home, name="staff-home"),
    path("staff/patients/", include("coxa.patients.urls")),
    path("staff/", include("coxa.pathways.urls")),
    path("staff/", include("coxa.accounts.urls")),
    path("staff/", include("coxa.assessment.urls")),
    path("staff/", include("coxa.surgery.urls")),
    path("staff/", include("coxa.outcomes.urls")),
    path("staff/", include("coxa.surveillance.urls")),
    path("staff/analytics/", include("coxa.analytics.urls")),
    path(
        "staff/patients/<uuid:patient_id>/portal-invitation/",
        portal_views.invite_patient,
        name="portal-invite",
    ),
    path("portal/", include("coxa.portal.urls")),
    # Consultation requests: the public form (/consultation/) and the triage queue
    # (/staff/enquiries/).
    path("", include("coxa.enquiries.urls")),
    # A one-time questionnaire link: no account; the token is the key (outcomes.services.links).
    path("questionnaire/<str:token>/", outcome_views.answer_by_link, name="questionnaire-link"),
    API,  # answered_as (core/web.py) reads its prefix
    path("", include("coxa.cds.urls")),
    path(FHIR_PREFIX.lstrip("/"), include("coxa.interop.urls")),  # answered_as reads it too
]
