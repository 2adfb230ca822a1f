"""Logging for ``scm-demo``: three services in one process, each logging where its own ``.ini``
says (issue 16, item 5).

Python has one logging tree per process, and ``logging.config.fileConfig`` replaces it: set up
once per ``.ini``, the last service's file took every record. Here the ``[loggers]``,
``[handlers]`` and ``[formatters]`` sections of all the ``.ini`` files become one configuration,
each service's handlers renamed apart and given a filter that passes that service's records only.
A record belongs to the service in whose context it was made (``serving``: a request, start-up,
the worker thread), else to the service its logger is named after; a record of none of them (the
simulator, the launcher) goes to every service's file rather than nowhere.
"""

from __future__ import annotations

import configparser
import contextlib
import contextvars
import logging
import logging.config
import os

_SERVICE: contextvars.ContextVar[str | None] = contextvars.ContextVar("scm_service", default=None)
_LEVELS = logging.getLevelNamesMapping()


@contextlib.contextmanager
def serving(name: str):
    """Records made inside belong to service ``name``."""
    token = _SERVICE.set(name)
    try:
        yield
    finally:
        _SERVICE.reset(token)


def tagged(app, name: str):
    """``app`` (WSGI), its records marked as service ``name``'s while it handles a request."""

    def wsgi(environ, start_response):
        with serving(name):
            return app(environ, start_response)

    return wsgi


class ServiceFilter(logging.Filter):
    def __init__(self, service: str, services: frozenset[str], level: int):
        super().__init__()
        self.service, self.services, self.level = service, services, level

    def filter(self, record: logging.LogRecord) -> bool:
        # The service's own root level: the shared root logger is set to the most verbose one.
        if record.levelno < self.level:
            return False
        owner = _SERVICE.get() or record.name.partition(".")[0]
        return owner == self.service or owner not in self.services


def setup_logging(inis: dict[str, str], options: dict[str, str]) -> None:
    """Configure logging from the ``.ini`` of each service (``{service: path}``)."""
    combined = configparser.RawConfigParser()
    loggers: dict[str, dict[str, object]] = {}
    handlers: list[str] = []
    formatters: list[str] = []
    root_levels: dict[str, int] = {}
    for service, path in inis.items():
        defaults = {"__file__": path, "here": os.path.dirname(path), **options}
        parser = configparser.ConfigParser(defaults=defaults)
        parser.read(path)
        if not parser.has_section("loggers"):
            continue

        def renamed(section: str, key: str, service=service, parser=parser) -> list[str]:
            words = parser.get(section, key, fallback="").split(",")
            return [f"{service}_{w.strip()}" for w in words if w.strip()]

        for name in renamed("formatters", "keys"):
            _copy(parser, f"formatter_{name.removeprefix(service + '_')}", combined, name)
            formatters.append(name)
        for name in renamed("handlers", "keys"):
            _copy(parser, f"handler_{name.removeprefix(service + '_')}", combined, name)
            section = f"handler_{name}"
            if combined.has_option(section, "formatter"):
                combined.set(section, "formatter", f"{service}_{combined[section]['formatter']}")
            handlers.append(name)
        for key in renamed("loggers", "keys"):
            section = f"logger_{key.removeprefix(service + '_')}"
            qualname = parser.get(section, "qualname", fallback="(root)")
            if key == f"{service}_root":
                qualname = "(root)"
                level = parser.get(section, "level", fallback="WARNING")
                root_levels[service] = _LEVELS.get(level, logging.NOTSET)
            merged = loggers.setdefault(qualname, {"levels": [], "handlers": [], "propagate": "1"})
            merged["levels"].append(parser.get(section, "level", fallback="NOTSET"))
            merged["handlers"] += renamed(section, "handlers")
            merged["propagate"] = parser.get(section, "propagate", fallback=merged["propagate"])
    _write_loggers(combined, loggers)
    combined["handlers"] = {"keys": ",".join(handlers)}
    combined["formatters"] = {"keys": ",".join(formatters)}
    logging.config.fileConfig(combined, disable_existing_loggers=False)
    services = frozenset(inis)
    for handler in logging.getLogger().handlers + [
        h for name in loggers if name != "(root)" for h in logging.getLogger(name).handlers
    ]:
        service = (handler.get_name() or "").partition("_")[0]
        if service in services and not handler.filters:
            handler.addFilter(ServiceFilter(service, services, root_levels.get(service, 0)))


def _copy(parser, section: str, combined, name: str) -> None:
    prefix = "formatter_" if section.startswith("formatter_") else "handler_"
    combined[prefix + name] = {
        key: parser.get(section, key)
        for key in parser.options(section)
        if key not in parser.defaults()
    }


def _write_loggers(combined, loggers: dict[str, dict]) -> None:
    keys = []
    for n, (qualname, merged) in enumerate(loggers.items()):
        key = "root" if qualname == "(root)" else f"logger{n}"
        levels = [_LEVELS.get(level, logging.NOTSET) for level in merged["levels"]]
        most_verbose = min((v for v in levels if v), default=logging.NOTSET)
        section = {
            "level": logging.getLevelName(most_verbose),
            "handlers": ",".join(merged["handlers"]),
        }
        if key != "root":
            section |= {"qualname": qualname, "propagate": merged["propagate"]}
        combined[f"logger_{key}"] = section
        keys.append(key)
    combined["loggers"] = {"keys": ",".join(keys)}
