"""Tests that the core and storage layers import nothing platform-specific."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("bot/core", "storage")
FORBIDDEN = (
    "slack_bolt",
    "slack_sdk",
    "handlers",
    "scheduler",
    "bot.app",
    "bot.cli",
    "bot.simulate",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, *, module: str, is_package: bool) -> set[str]:
    """Return every module an import statement in source names, relative ones resolved.

    For `from package import name` both package and package.name are listed,
    because name may be a submodule.
    """
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts)
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def forbidden_imports(modules: set[str]) -> set[str]:
    return {
        name
        for name in modules
        for banned in FORBIDDEN
        if name == banned or name.startswith(f"{banned}.")
    }


def layer_files() -> list[Path]:
    return sorted(path for layer in LAYERS for path in (ROOT / layer).rglob("*.py"))


def test_layer_files_found() -> None:
    names = {module_name(path) for path in layer_files()}

    assert "bot.core.votes" in names
    assert "storage.models" in names
    assert "storage.migrations.env" in names


@pytest.mark.parametrize("path", layer_files(), ids=lambda path: module_name(path))
def test_layer_imports_clean(path: Path) -> None:
    modules = imported_modules(
        path.read_text(encoding="utf-8"),
        module=module_name(path),
        is_package=path.name == "__init__.py",
    )

    assert forbidden_imports(modules) == set()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import slack_sdk", {"slack_sdk"}),
        ("import slack_bolt.app as bolt", {"slack_bolt.app"}),
        ("from slack_sdk.web import WebClient", {"slack_sdk.web", "slack_sdk.web.WebClient"}),
        ("from bot import app", {"bot.app"}),
        ("from bot.simulate import run", {"bot.simulate", "bot.simulate.run"}),
        ("from .. import cli", {"bot.cli"}),
        ("def later():\n    import handlers.ids", {"handlers.ids"}),
        ("from scheduler.jobs import close_due", {"scheduler.jobs", "scheduler.jobs.close_due"}),
        ("import bot.core.votes\nfrom storage import models", set()),
        ("import schedule_helpers\nfrom bot.core import schedule", set()),
    ],
)
def test_checker_cases(source: str, expected: set[str]) -> None:
    modules = imported_modules(source, module="bot.core.example", is_package=False)

    assert forbidden_imports(modules) == expected
