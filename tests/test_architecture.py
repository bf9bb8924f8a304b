"""The layout's rules, read from the source: layers import downward only, and no cycle.

Layers, lowest first (tracer/__init__.py's docstring has the map):
errors -> core -> config -> {verify, explain} -> render -> cli.
verify and explain are siblings that never import each other: the verifier
must not share code with what it checks.  Every import counts, the ones
inside functions too, since a function-level import is still a dependency.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "tracer"
RANK = {"errors": 0, "core": 1, "config": 2, "verify": 3, "explain": 3, "render": 4, "cli": 5, "__main__": 6}
MAX_LINES = 800


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports, top-level or inside a function, as absolute names."""
    known = set(modules())
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from tracer.config import files` depends on the module
            # tracer.config.files, not on the package around it
            submodules = {f"{target}.{alias.name}" for alias in node.names} & known
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(target)
    return found


def internal_graph() -> dict[str, set[str]]:
    mods = modules()
    graph = {}
    for name, path in mods.items():
        graph[name] = {m for m in imports_of(name, path) if m in mods and m != name}
    return graph


def layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "tracer"


def test_every_module_is_in_a_layer():
    for name in modules():
        if name == "tracer":
            continue
        assert layer(name) in RANK, f"{name} is in no layer; put it in one of {sorted(RANK)}"


def test_layers_import_downward_only():
    bad = []
    for name, deps in internal_graph().items():
        if name == "tracer":
            continue
        for dep in deps:
            if dep == "tracer" or layer(dep) == layer(name):
                continue
            if RANK[layer(dep)] >= RANK[layer(name)]:
                bad.append(f"{name} imports {dep}")
    assert not bad, "\n".join(sorted(bad))


def test_verify_shares_no_code_with_what_it_checks():
    for name, deps in internal_graph().items():
        if layer(name) == "verify":
            assert not {d for d in deps if layer(d) in ("explain", "render")}, name


def test_no_import_cycle():
    graph = internal_graph()
    # the package itself re-exports nothing that would close a loop
    graph = {k: {d for d in v if d != "tracer"} for k, v in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycle = stack[stack.index(dep):] + [dep]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


@pytest.mark.parametrize("forbidden,where", [
    ("sympy", ("core",)), ("jinja2", ("core", "config", "explain", "verify")),
    ("rich", ("core", "config", "explain", "verify")),
])
def test_heavy_libraries_stay_at_the_edges(forbidden, where):
    for name, path in modules().items():
        if layer(name) in where:
            deps = imports_of(name, path)
            assert not any(d == forbidden or d.startswith(forbidden + ".") for d in deps), f"{name} imports {forbidden}"


def test_figures_take_plain_callables():
    for name, path in modules().items():
        if name.startswith("tracer.render.figures"):
            deps = imports_of(name, path)
            assert not any(d == "sympy" or d.startswith("sympy.") for d in deps), f"{name} imports sympy"
            assert not any(layer(d) == "explain" for d in deps if d.startswith("tracer.")), f"{name} imports explain"


def test_only_the_command_line_parses_arguments():
    for name, path in modules().items():
        if layer(name) not in ("cli", "__main__"):
            assert "argparse" not in imports_of(name, path), f"{name} imports argparse"


def test_no_module_is_too_long():
    long = {name: n for name, path in modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, long


def _string_constants(path: Path) -> list[tuple[int, str]]:
    """Every string literal of a module that is not a docstring, with its line."""
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {id(body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and (body := node.body) and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_printed_math_is_never_patched():
    # a format gets its look from its printer (tracer.render.printers), not from replacing Python's * and **
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "replace"
                    and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in ("*", "**", "**2")):
                raise AssertionError(f"{name}:{node.lineno} patches printed math with replace({node.args[0].value!r}, ...)")


def test_explain_writes_no_output_format():
    """explain builds sympy trees and tracer.explain.nodes; LaTeX (a backslash command) is the printers' to write."""
    latex = re.compile(r"\\[A-Za-z]{2,}")
    for name, path in modules().items():
        if layer(name) == "explain":
            found = [(line, s) for line, s in _string_constants(path) if latex.search(s)]
            assert not found, f"{name} writes LaTeX: {found}"
