"""Page arithmetic shared by list pages and list endpoints."""

from dataclasses import dataclass

from coxa.core.errors import InvalidInput

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class PageRequest:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def page_request(number: int | None, size: int | None, *, default_size: int = 25) -> PageRequest:
    """Check a requested page number and size; errors name the query field."""
    number = 1 if number is None else number
    size = default_size if size is None else size
    if number < 1:
        raise InvalidInput("invalid-page", "page must be 1 or more", "page")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(
            "invalid-page-size", f"page_size must be between 1 and {MAX_PAGE_SIZE}", "page_size"
        )
    return PageRequest(number=number, size=size)
