"""A searchset Bundle with its paging links (https://hl7.org/fhir/R4/bundle.html)."""

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from coxa.interop.domain.search import Search


def _link(base: str, search: Search, page: int) -> str:
    pairs = [*search.used, ("_count", str(search.count)), ("_page", str(page))]
    return f"{base}{search.type}?{urlencode(pairs)}"


def searchset(
    *,
    base: str,
    search: Search,
    resources: Sequence[dict[str, Any]],
    has_next: bool,
    total: int | None,
    warning: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The page of a search: each match with its full URL, links to this page and its neighbours.

    ``total`` is given only when Coxa counted every match (it does not count past a page's end
    on a large list: FHIR lets a server leave ``total`` out). A ``warning`` (an
    OperationOutcome) is added as the spec's "outcome" entry, e.g. for parameters ignored.
    """
    links = [{"relation": "self", "url": _link(base, search, search.page)}]
    if has_next:
        links.append({"relation": "next", "url": _link(base, search, search.page + 1)})
    if search.page > 1:
        links.append({"relation": "previous", "url": _link(base, search, search.page - 1)})
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
            "resource": resource,
            "search": {"mode": "match"},
        }
        for resource in resources
    ]
    if warning is not None:
        entries.append({"resource": warning, "search": {"mode": "outcome"}})
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "link": links}
    if total is not None:
        bundle["total"] = total
    bundle["entry"] = entries
    return bundle
