"""The public site: the front page."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coxa.accounts.access import public
from coxa.accounts.permissions import Op


@public(Op.PAGE_HOME)
def home(request: HttpRequest) -> HttpResponse:
    """The public front page."""
    return render(request, "portal/home.html")
