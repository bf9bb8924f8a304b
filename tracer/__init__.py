"""mlptrace: train small multi-layer perceptrons and explain every number.

The import name is ``tracer``; the command is ``mlptrace``.  Importing the
package loads nothing heavy.  The folders are the layers, and each imports
only from the ones listed before it (tests/test_architecture.py checks it,
counting imports made inside functions):

errors.py     the exceptions and visible(), the one filter for text bound for a terminal
core/         numpy only: activations (numeric f, f' and their symbolic forms, in one place),
              dataset (min-max, normalisation), variant (the training rule's settings), losses,
              engine (hands each step to a recorder), recorder (the protocol; Chunks streams),
              update (the one update rule, every variant's), trace (columnar recording, its
              fields declared once, policies), tidy (a trace as rows: to_pandas, its summary),
              numbers (the one number formatter)
config/       schema (loading and checking a config; from_mapping), jsonschema (the same rules as a
              JSON Schema, for mlptrace schema and editors), files (the Go package's formats, bounded
              reads, atomic writes and output transactions), trained (train --out's trained.toml),
              trace_io (JSON and streamed .npz traces), run (record a config's training), resources
explain/      sympy, no output format: notation (the one place names and indices are spelled),
              nodes (format-free math beside sympy's trees), model (a structure's equations, built
              once), algebra, operators, pieces (Line, Equation, Table, Section, Explanation),
              sections (one step explained), appendix, gradcheck, descent (gd on any function)
verify/       reads documents back; depends on core and config only, never on explain or render:
              document, chains, tables/ (one module per table kind), quantities, results,
              arith/ (its own LaTeX arithmetic), pipeline, pytest_plugin
render/       printers/ (one per format: latex, unicode, mathml; each prints sympy's trees and explain's
              nodes), report (Jinja environments; templates/ holds one set of section partials for
              every format), context (plain data for templates, printed once), sandbox, escape (one escaper per
              format), mathml (the templates' own $...$ LaTeX read into MathML), xml, figures/ (plain data and callables in, SVG/PDF out), drawings,
              notebook, terminal (the one rich console), live, walkthrough and walk_*
cli/          argparse; one module per command (run(args) -> int), common; __init__ is the one
              place errors become messages and exit statuses

Where a change goes: a new activation in core/activations.py; a new output format in
templates/<format>/ (its macros and page), with its escaper in render/escape.py and its
name in render/report.py's FORMATS; a new
document layout for verify in verify/tables/ (or verify/document.py for a new kind of math
span); a new command in cli/<name>.py and its parser in cli/__init__.py.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
