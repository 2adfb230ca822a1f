"""A report request's parameters, read with ``common.params`` into a :class:`ReportQuery`."""

from __future__ import annotations

from cloudaccountant.access import controller_and_scope
from cloudaccountant.reports.groupings import ALL_GROUPINGS, FAMILY_PATHS, GROUPINGS
from cloudaccountant.reports.periods import GRANULARITIES
from cloudaccountant.reports.services import ReportQuery
from common.errors import BadRequest
from common.params import Params, parse_date, parse_int

COMMON = frozenset(
    {
        "start_date",
        "end_date",
        "cloud_controller_id",
        "cloud_auth_userid",
        "owner_userid",
        "queue",
        "format",
    }
)
REPORT_ONLY = frozenset({"granularity", "group_by"})
DETAIL_ONLY = frozenset({"after", "limit"})
MAX_QUEUES = 200


def parse_format(params: Params) -> str:
    value = (params.optional("format", 8) or "json").strip().lower()
    if value not in ("json", "csv"):
        raise BadRequest("parameter format must be json or csv")
    return value


def parse_report_query(request, family: str, *, detail: bool = False) -> ReportQuery:
    accepted = COMMON | (DETAIL_ONLY if detail else REPORT_ONLY)
    unknown = sorted(set(request.GET) - accepted)
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0]}")
    params = Params(request)
    start = parse_date(params.required("start_date", 10), "start_date")
    end = parse_date(params.required("end_date", 10), "end_date")
    if end < start:
        raise BadRequest("end_date is before start_date")
    granularity = (params.optional("granularity", 8) or "day").strip()
    if granularity not in GRANULARITIES:
        raise BadRequest(f"parameter granularity must be one of {', '.join(GRANULARITIES)}")
    max_days = request.registry["scm.reports.max_days"]
    if not detail and granularity == "day" and (end - start).days + 1 > max_days:
        raise BadRequest(
            f"a day-granularity report covers at most {max_days} days; "
            "choose week, month or year for a longer range"
        )
    group_by = _group_by(params, family)
    cc_id, scope = controller_and_scope(request, params)
    return ReportQuery(
        family=family,
        start_date=start,
        end_date=end,
        granularity=granularity,
        group_by=group_by,
        scope=scope,
        cloud_controller_id=cc_id,
        queues=_queues(params, family),
    )


def _group_by(params: Params, family: str) -> tuple[str, ...]:
    names: list[str] = []
    for value in params.all("group_by", 200):
        names.extend(n.strip() for n in value.split(",") if n.strip())
    for name in names:
        if name not in ALL_GROUPINGS:
            known = ", ".join(sorted(ALL_GROUPINGS))
            raise BadRequest(f"unknown grouping {name[:40]!r} (one of {known})")
        if name not in GROUPINGS[family]:
            path = next(p for p, f in FAMILY_PATHS.items() if f == family)
            known = ", ".join(GROUPINGS[family])
            raise BadRequest(f"a {path} report cannot be grouped by {name} (only {known})")
    return tuple(dict.fromkeys(names))


def _queues(params: Params, family: str) -> dict[int, frozenset[str]]:
    """``queue=<controller id>:<queue>``, repeated: on the controllers named, only these
    queues count (what the portal sends for ``cloudcon.<id>.report_queues``)."""
    values = params.all("queue", 80)
    if not values:
        return {}
    if family != "job":
        raise BadRequest("parameter queue applies to job reports only")
    if len(values) > MAX_QUEUES:
        raise BadRequest(f"at most {MAX_QUEUES} queue parameters")
    found: dict[int, set[str]] = {}
    for value in values:
        cc_text, sep, name = value.partition(":")
        cc_id = parse_int(cc_text, minimum=1, maximum=2**31 - 1)
        if not sep or cc_id is None or not name or len(name) > 64:
            raise BadRequest(
                f"parameter queue must be <controller id>:<queue name>, not {value[:40]!r}"
            )
        found.setdefault(cc_id, set()).add(name)
    return {cc: frozenset(names) for cc, names in found.items()}
