"""Usage and Reports (issue 13): an overview, a page per family with its chart, table and CSV,
the itemised jobs, and the monthly statement of an account owner."""


def includeme(config):
    config.scan(".views")
