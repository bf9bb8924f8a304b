"""The tables verify checks, one module per kind; ``find`` finds them all and reads their cells.

A new kind of table is a module here with a ``check_...`` function, called
from ``tracer.verify.pipeline.verify_text``.  Tables checked against a
config (node tables' named values, the loss table) are in
``tracer.verify.quantities``.
"""
