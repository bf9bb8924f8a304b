"""Configs and files: the schema and its loading, the Go package's file formats, atomic writes, running a config.

``tracer.config.load(path)`` and ``tracer.config.from_mapping(data)`` give a :class:`Config`.
"""

from tracer.config.schema import *  # noqa: F401,F403  (the package is the schema's public face)
from tracer.config.schema import __all__  # noqa: F401
