"""Help and Frequently Asked Questions: plain templates a site replaces through
``site.templates`` (``help/help.mako``, ``help/faq.mako``)."""


def includeme(config):
    config.scan(".views")
