"""What a superuser's list page was asked for: search text, sort column, order and page, read
from the query string and checked; a bad value is said above the list, never a trace."""

from __future__ import annotations

from dataclasses import dataclass, replace

from cloudportal.clients.cloudauth_admin import ICloudAuthAdmin

PER_PAGE = 50
MAX_SEARCH = 64


@dataclass(frozen=True)
class ListQuery:
    search: str
    sort: str
    descending: bool
    page: int
    problem: str | None = None  # what was wrong with the request, shown as the form's error

    @property
    def offset(self) -> int:
        return (self.page - 1) * PER_PAGE

    def params(self, **changes) -> dict[str, str]:
        """The query string of this list with ``changes`` (sort links, pager links)."""
        q = replace(self, **changes)
        out = {"sort": q.sort, "order": "desc" if q.descending else "asc", "page": str(q.page)}
        if q.search:
            out["q"] = q.search
        return out

    def sort_params(self, column: str) -> dict[str, str]:
        """The link of a column heading: sorts by it, or flips the order when it is the sort."""
        descending = not self.descending if column == self.sort else False
        return self.params(sort=column, descending=descending, page=1)

    def pages(self, total: int) -> int:
        return max(1, (total + PER_PAGE - 1) // PER_PAGE)


def list_query(request, sorts: dict[str, str], default: str) -> ListQuery:
    get = request.GET
    problems = []
    search = get.get("q", "").strip()
    if len(search) > MAX_SEARCH or "\x00" in search:
        problems.append(f"Search for at most {MAX_SEARCH} characters.")
        search = ""
    sort = get.get("sort", default)
    if sort not in sorts:
        problems.append(f"Sort by one of: {', '.join(sorts.values())}.")
        sort = default
    order = get.get("order", "asc")
    if order not in ("asc", "desc"):
        problems.append("Order is asc or desc.")
        order = "asc"
    raw_page = get.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and 0 < len(raw_page) <= 6 else 0
    if page < 1:
        problems.append("The page is a whole number from 1.")
        page = 1
    return ListQuery(search, sort, order == "desc", page, " ".join(problems) or None)


def users_page(request, sorts: dict[str, str]):
    """The page of Cloud Auth's users that the request's query string asks for (searched, sorted
    and paged by Cloud Auth): the query read and the page."""
    query = list_query(request, sorts, "email")
    page = request.find_service(ICloudAuthAdmin).users(
        search=query.search,
        sort=query.sort,
        descending=query.descending,
        offset=query.offset,
        limit=PER_PAGE,
    )
    return query, page
