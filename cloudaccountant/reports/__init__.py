"""Usage reports (issue 13): aggregates per day, ISO week, month or year, grouped, with totals,
as JSON or CSV; itemised jobs as pages or one streamed CSV."""

from __future__ import annotations

from cloudaccountant.reports.services import ReportService
from common.settings import Raw


def includeme(config):
    config.include("pyramid_services")
    settings = config.registry["scm.settings"]
    # How many days a day-granularity report may cover (longer ranges: weeks, months, years).
    config.registry["scm.reports.max_days"] = Raw(config.get_settings()).int(
        "reports.max_days", 366, minimum=1
    )

    def factory(context, request):
        return ReportService(
            request.db, request.registry["scm.dbsession_factory"], settings.timezone
        )

    config.register_service_factory(factory, ReportService)
    # The views are found by the app's scan of the whole package.
