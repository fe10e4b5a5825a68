"""``Cache-Control: no-store`` on every answer that may identify someone (ADR 0012).

Identifiable answers are kept out of every cache: browsers' disk caches, shared proxies and
the back button alike. Everything is ``no-store`` except what is listed as public (the home
page, to someone not signed in), so a new page is covered without being listed. Static
files are answered by WhiteNoise before this middleware runs and keep their own caching.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

# Paths whose answer is the same for everyone who is not signed in.
PUBLIC_PATHS = frozenset({"/"})


def cacheable(request: HttpRequest) -> bool:
    """True only for a public page asked for by someone not signed in."""
    if request.path_info not in PUBLIC_PATHS:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


class NoStore:
    """``Cache-Control: no-store`` and ``Pragma: no-cache`` on every non-public answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not cacheable(request):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"  # for HTTP/1.0 caches, which ignore Cache-Control
            del response["Expires"]
        return response
