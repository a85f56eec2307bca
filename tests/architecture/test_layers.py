"""The house stays as built: the layers of DESIGN section 2, read from the package's imports.

Layers, high to low: extension > web, cli > builtin_hooks > lifecycle > outbox > models,
schemas, references, remote, hookspecs, migrations > errors, settings. A module imports only from
its own layer or below (imports under ``if TYPE_CHECKING:`` aside); the services, the outbox and
the remote gateways never look up the Flask app.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ocs_assistant_plugin

PACKAGE = Path(ocs_assistant_plugin.__file__).parent
NAME = PACKAGE.name

#: The first part of a module's name inside the package -> its layer (higher imports lower).
LAYERS = {
    "__init__": 7,  # the public names, re-exported from everywhere
    "extension": 6,
    "web": 5, "cli": 5,
    "builtin_hooks": 4,
    "lifecycle": 3,
    "outbox": 2,
    "models": 1, "schemas": 1, "references": 1, "remote": 1, "hookspecs": 1, "migrations": 1,
    "errors": 0, "settings": 0, "_version": 0,
}
#: Packages whose modules must receive what they need instead of looking up the app.
NO_APP_LOOKUP = ("lifecycle", "outbox", "remote")
APP_LOOKUPS = {"current_app", "get_state", "g"}


def package_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "testing" not in p.relative_to(PACKAGE).parts)


def dotted(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join([NAME, *parts])


def top(module: str) -> str:
    """``ocs_assistant_plugin.web.api`` -> ``web``; the package itself -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def runtime_imports(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """``(line, imported module)`` for every import of the package outside TYPE_CHECKING
    blocks, relative imports resolved; ``from x import y`` counts ``x.y`` when that is a module."""
    tree = ast.parse(path.read_text() if source is None else source, str(path))
    here = dotted(path)
    is_package = path.name == "__init__.py"
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names
                         if alias.name.split(".")[0] == NAME)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")
                base = base[:len(base) - node.level + (1 if is_package else 0)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] == NAME:
                for alias in node.names:
                    candidate = f"{module}.{alias.name}"
                    is_module = (PACKAGE.parent / Path(*candidate.split("."))).with_suffix(
                        ".py").exists() or (PACKAGE.parent / Path(*candidate.split("."))).is_dir()
                    found.append((node.lineno, candidate if is_module else module))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def upward_imports(path: Path, source: str | None = None) -> list[str]:
    here = dotted(path)
    layer = LAYERS[top(here)]
    return [f"{path.relative_to(PACKAGE)}:{line} imports {module} "
            f"({top(module)} is above {top(here)})"
            for line, module in runtime_imports(path, source)
            if top(module) != top(here) and LAYERS.get(top(module), 99) > layer]


def app_lookups(path: Path, source: str | None = None) -> list[str]:
    tree = ast.parse(path.read_text() if source is None else source, str(path))
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            problems += [f"{path.relative_to(PACKAGE)}:{node.lineno} imports flask.{a.name}"
                         for a in node.names if a.name in APP_LOOKUPS]
        elif isinstance(node, ast.Import):
            problems += [f"{path.relative_to(PACKAGE)}:{node.lineno} imports {a.name}"
                         for a in node.names if a.name == "flask"]
        elif isinstance(node, (ast.Name, ast.Attribute)):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if name in ("current_app", "get_state"):
                problems.append(f"{path.relative_to(PACKAGE)}:{node.lineno} uses {name}")
    return problems


def test_every_module_has_a_layer():
    assert {top(dotted(p)) for p in package_modules()} <= set(LAYERS)


@pytest.mark.parametrize("path", package_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_from_a_layer_above_it(path):
    assert upward_imports(path) == []


@pytest.mark.parametrize("path", [p for p in package_modules()
                                  if top(dotted(p)) in NO_APP_LOOKUP],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_services_outbox_and_remote_never_look_up_the_app(path):
    assert app_lookups(path) == []


def test_the_package_never_imports_the_testing_stand_in():
    imports = [f"{p.relative_to(PACKAGE)}:{line}" for p in package_modules()
               for line, module in runtime_imports(p) if module.startswith(f"{NAME}.testing")]
    assert imports == []


def test_the_checks_catch_an_upward_import_and_an_app_lookup():
    """The checks above can fail: a service importing the extension and using current_app."""
    fake = PACKAGE / "lifecycle" / "_layer_probe.py"
    source = ("from flask import current_app\nfrom ..extension import PluginState\n"
              "from ..settings import Settings\n\n\ndef probe():\n    return current_app\n")
    assert upward_imports(fake, source) == [
        "lifecycle/_layer_probe.py:2 imports ocs_assistant_plugin.extension "
        "(extension is above lifecycle)"]
    assert app_lookups(fake, source) == ["lifecycle/_layer_probe.py:1 imports flask.current_app",
                                 "lifecycle/_layer_probe.py:7 uses current_app"]
