"""What ships in the shared layer (template.yaml's SharedLayer, layers/shared/python)
is the product only: demo data, the local stack and the tests stay out of it."""

from __future__ import annotations

import ast
from pathlib import Path

LAYER = Path(__file__).resolve().parents[2] / "layers" / "shared" / "python"
NOT_DEPLOYED = ("infra", "tests", "bench", "heatportal.demo")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_layer_holds_no_demo_package() -> None:
    assert not (LAYER / "heatportal" / "demo").exists()
    assert (LAYER / "heatportal" / "domain").is_dir()  # the path above is the layer's


def test_no_module_of_the_layer_imports_demo_data_the_local_stack_or_tests() -> None:
    offenders = {
        str(path.relative_to(LAYER)): sorted(name for name in imported_modules(path) if name.startswith(NOT_DEPLOYED))
        for path in sorted(LAYER.rglob("*.py"))
    }
    assert {module: names for module, names in offenders.items() if names} == {}
    assert len(offenders) > 50  # every module of the layer was read
