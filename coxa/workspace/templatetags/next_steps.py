"""``{% load next_steps %}{% episode_steps episode %}``: the episode as steps, with next steps.

The episode page (pathways) draws it; pathways sits below the apps the steps read, so the
page asks for it by name here rather than importing upward (ADR 0025).
"""

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from coxa.pathways.models import Episode
from coxa.workspace.selectors.steps import steps_of

register = template.Library()


@register.simple_tag(takes_context=True)
def episode_steps(context: template.Context, episode: Episode) -> SafeString:
    """The steps panel for the signed-in viewer (links only to pages their role may open)."""
    request = context.get("request")
    user: Any = getattr(request, "user", None)
    role = getattr(user, "role", "")
    shown = steps_of(episode, role)
    html = render_to_string(
        "workspace/shared/steps.html", {"shown": shown, "episode": episode}, request=request
    )
    return mark_safe(html)  # noqa: S308 - a template the app owns, escaped as it renders
