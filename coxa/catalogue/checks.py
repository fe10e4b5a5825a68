"""A Django system check: Coxa does not start (check, runserver, migrate) on a broken catalogue."""

from typing import Any

from django.core.checks import CheckMessage, Error

from coxa.catalogue.loader import CatalogueError, get_catalogue


def check_catalogue(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        get_catalogue()
    except CatalogueError as error:
        return [Error(problem, id="coxa.E001") for problem in error.problems]
    return []
