"""Page arithmetic shared by list pages and list endpoints."""

from dataclasses import dataclass

from coxa.core.errors import ErrorCode, InvalidInput

MAX_PAGE_SIZE = 100
# No list is paged this far (a million rows at the largest size); a larger number is a typing
# error or a probe, and would overflow the database's OFFSET.
MAX_PAGE = 10_000


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
    if not 1 <= number <= MAX_PAGE:
        raise InvalidInput(
            ErrorCode.INVALID_PAGE, f"page must be between 1 and {MAX_PAGE:,}", "page"
        )
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(
            ErrorCode.INVALID_PAGE_SIZE,
            f"page_size must be between 1 and {MAX_PAGE_SIZE}",
            "page_size",
        )
    return PageRequest(number=number, size=size)
