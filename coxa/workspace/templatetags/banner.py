"""``{% patient_banner %}``: the patient banner on every clinical page (base.html's block).

It reads the page's own context: ``patient`` and, when the page is about a hip, ``episode``
(or the ``episode`` of the page's ``letter``, ``shown`` or ``hip``), so pages need no edits.
Nothing shows for someone not signed in, on the patient portal or public pages, or for a
role that may not see identifiable records (``selectors/banner.py``).
"""

from typing import Any

from django import template
from django.http import HttpRequest

from coxa.accounts.models import User
from coxa.pathways.models import Episode
from coxa.patients.models import Patient
from coxa.workspace.selectors.banner import banner_of

register = template.Library()

HOLDERS = ("letter", "shown", "hip")  # page objects that carry the hip they are about
NOT_HERE = frozenset({"portal"})  # patients see their own pages: no staff banner there


def _episode_of(context: template.Context) -> Episode | None:
    found = context.get("episode")
    if isinstance(found, Episode):
        return found
    for name in HOLDERS:
        held = getattr(context.get(name), "episode", None)
        if isinstance(held, Episode):
            return held
    return None


@register.inclusion_tag("workspace/banner.html", takes_context=True)
def patient_banner(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(request, HttpRequest) or not isinstance(user, User):
        return {"banner": None}
    match = request.resolver_match
    if match is None or NOT_HERE & set(match.namespaces):
        return {"banner": None}
    episode = _episode_of(context)
    patient = context.get("patient")
    if not isinstance(patient, Patient):
        patient = episode.patient if episode is not None else None
    if patient is None:
        return {"banner": None}
    return {"banner": banner_of(viewer=user, patient=patient, episode=episode)}
