"""mlptrace: train small multi-layer perceptrons and explain every number.

The import name is ``tracer``; the command is ``mlptrace``.  Importing the
package loads nothing heavy: the engine is in ``tracer.engine``, configs in
``tracer.config``, the recording in ``tracer.trace``.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
