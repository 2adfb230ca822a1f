"""Daily summaries and itemised jobs (``/storage``, ``/job``...): the read-only usage API."""

from cloudaccountant.summaries.services import UsageSummaries


def includeme(config):
    config.include("pyramid_services")
    timezone = config.registry["scm.settings"].timezone

    def summaries_factory(context, request) -> UsageSummaries:
        return UsageSummaries(request.db, timezone)

    config.register_service_factory(summaries_factory, UsageSummaries)
