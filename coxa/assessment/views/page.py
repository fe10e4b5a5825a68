"""What every pre-assessment page needs: the signed-in user, the episode, the entry kind."""

import uuid

from django.http import Http404, HttpRequest

from coxa.accounts.access import user_of
from coxa.assessment.domain.entries import Kind
from coxa.core.audit import Via
from coxa.pathways.models import Episode
from coxa.pathways.selectors import access_episode

KINDS_SHOWN = tuple(Kind)


def episode_of(request: HttpRequest, episode_id: uuid.UUID) -> Episode:
    user = user_of(request)
    return access_episode(actor=user, episode_id=episode_id, via=Via.WEB)


def kind_of(name: str) -> Kind:
    try:
        return Kind(name)
    except ValueError:
        raise Http404("no such kind of entry") from None
