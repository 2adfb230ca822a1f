"""Every Cloud Accountant route in one place. GET only (shared/API.md)."""


def includeme(config):
    add = config.add_route
    config.include("common.openapi")  # GET /openapi.json, public
    add("usage.storage", "/storage")
    add("usage.user_storage", "/user-storage")
    add("usage.server_instance", "/server-instance")
    add("usage.job", "/job")
    add("usage.job_detail", "/job/detail")

    # Reports (issue 13): aggregates per family, itemised jobs.
    add("report.server_instance", "/report/server-instance")
    add("report.storage", "/report/storage")
    add("report.user_storage", "/report/user-storage")
    add("report.job", "/report/job")
    add("report.job_detail", "/report/job/detail")
    add("report.import_runs", "/import-runs")
