"""An import-linter contract for the Lambda functions' layout (run by ``make lint``).

Each ``functions/<name>/`` folder is a Lambda of its own: on AWS its folder is
the task root, so its modules are top-level (``app``, ``<name>_*``) beside the
shared layer (``heatportal``), and they import each other by those names. The
graph sees ``functions`` as a namespace package, so such an import shows as an
external module (``portal_core``). This contract resolves it to the function's
own module (``functions.portal.portal_core``), refuses a module of another
function (not there on Lambda), and refuses an import circle among one
function's modules. The other contracts (layers, forbidden imports) then check
the functions like any other module.
"""

from __future__ import annotations

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class FunctionPackagesContract(Contract):
    type_name = "function_packages"

    container = fields.StringField()

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        container = str(self.container)
        modules = self._modules_by_function(graph, container)
        owners: dict[str, set[str]] = {}
        for function, names in modules.items():
            for name in names:
                owners.setdefault(name, set()).add(function)
        foreign: list[str] = []
        for function, names in sorted(modules.items()):
            for name in sorted(names):
                importer = f"{container}.{function}.{name}"
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    if "." in imported or not graph.is_module_squashed(imported):
                        continue  # a module of the layer or a library, checked by the other contracts
                    if imported in names:
                        graph.add_import(importer=importer, imported=f"{container}.{function}.{imported}")
                    elif imported in owners:
                        others = ", ".join(sorted(owners[imported]))
                        foreign.append(f"{importer} imports {imported} of the function {others}")
        circles = [
            f"{container}.{function}: " + " -> ".join(circle)
            for function in sorted(modules)
            for circle in _circles(edges_of(modules[function], graph, container, function))
        ]
        return ContractCheck(kept=not foreign and not circles, metadata={"foreign": foreign, "circles": circles})

    @staticmethod
    def _modules_by_function(graph: grimp.ImportGraph, container: str) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for module in graph.modules:
            parts = module.split(".")
            if len(parts) == 3 and parts[0] == container:
                found.setdefault(parts[1], set()).add(parts[2])
        return found

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["foreign"]:
            output.print_error(f"{line} (the functions never import each other: on Lambda it is not there)")
        for line in check.metadata["circles"]:
            output.print_error(f"import circle {line}")


def edges_of(names: set[str], graph: grimp.ImportGraph, container: str, function: str) -> dict[str, set[str]]:
    """The imports among one function's modules (after their resolution)."""
    edges: dict[str, set[str]] = {}
    for name in names:
        for imported in graph.find_modules_directly_imported_by(f"{container}.{function}.{name}"):
            prefix = f"{container}.{function}."
            if imported.startswith(prefix):
                edges.setdefault(name, set()).add(imported.removeprefix(prefix))
    return edges


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Each import circle once, as the modules along it (depth-first search)."""
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt in path:
                circle = [*path[path.index(nxt) :], nxt]
                if frozenset(circle) not in seen:
                    seen.add(frozenset(circle))
                    found.append(circle)
            elif len(path) < 50:
                visit(nxt, [*path, nxt])

    for start in sorted(edges):
        visit(start, [start])
    return found
