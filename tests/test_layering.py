"""Private modules (``_name.py``) are imported only from inside their own package."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _owner_of_private(module: str) -> str | None:
    """Return the package that owns a private module named in ``module``, if any."""
    parts = module.split(".")
    for index, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:index])
    return None


def test_private_modules_are_imported_only_inside_their_package() -> None:
    offences: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        importer = ".".join(path.relative_to(SRC).with_suffix("").parts)
        for imported in _imports(path):
            owner = _owner_of_private(imported)
            if owner is None or not owner.startswith("creativeflow_shared"):
                continue
            if not (importer == owner or importer.startswith(owner + ".")):
                offences.append(f"{importer} imports {imported}")

    assert offences == []


def test_the_check_recognises_a_private_module_of_another_package() -> None:
    assert _owner_of_private("creativeflow_shared.domain._money") == "creativeflow_shared.domain"
    assert _owner_of_private("creativeflow_shared.domain") is None
    assert _owner_of_private("creativeflow_shared.domain.__init__") is None
