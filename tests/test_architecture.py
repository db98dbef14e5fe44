"""The shape of the code: apps depend one way, no module imports itself round a circle, and every layer
of an app with more than one module of it is a package named by concept.

The graph is read from the source (every import statement, also those inside functions), so a lazy
import does not hide a circle.
"""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Bottom to top. An app may import its own rung's apps only where listed below, and lower rungs freely.
LAYERS = [
    ["accounts"],
    ["vendors"],
    ["contracts"],
    ["kpis"],
    ["governance"],
    ["selection", "api", "notifications"],
    ["portal"],
    ["config"],
]
RUNG = {app: rung for rung, apps in enumerate(LAYERS) for app in apps}
# Only these modules may import ``config`` (the project's bootstrap); ``config`` itself may import anything.
CONFIG_IMPORTERS = {"manage", "config"}
LAYER_NAMES = ("forms", "selectors", "services", "views", "urls", "serializers", "filters")


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] not in RUNG or {"migrations", "templates", "static"} & set(parts):
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            candidates = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for candidate in candidates:
            while candidate and candidate not in known:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                targets.add(candidate)
    return targets


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def _is_package_reexport(component: list[str]) -> bool:
    """A package and its own submodules (``__init__`` re-exporting them) is not a circle worth failing."""
    return all(
        any(o.startswith(m + ".") or m.startswith(o + ".") for o in component if o != m) for m in component
    )


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 and not _is_package_reexport(component):
                        found.append(sorted(component))
    return found


def test_no_module_imports_itself_round_a_circle():
    assert _circles(_graph()) == []


def test_the_circle_detector_finds_a_circle():
    graph = {"kpis.services.a": {"kpis.tasks"}, "kpis.tasks": {"kpis.services.a"}, "kpis.models": set()}
    assert _circles(graph) == [["kpis.services.a", "kpis.tasks"]]


def test_apps_import_only_their_own_rung_or_lower():
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if RUNG[target.split(".")[0]] > RUNG[module.split(".")[0]]
        and module.split(".")[0] not in CONFIG_IMPORTERS
    )
    assert upward == []


def test_only_the_bootstrap_imports_config():
    importers = sorted(
        module
        for module, targets in _graph().items()
        if any(t == "config" or t.startswith("config.") for t in targets) and module.split(".")[0] != "config"
    )
    assert importers == []


def test_layers_with_several_modules_are_packages_named_by_concept():
    flat = []
    for app in RUNG:
        for layer in LAYER_NAMES:
            prefixed = sorted((ROOT / app).glob(f"{layer}_*.py"))
            if prefixed:
                flat.extend(str(path.relative_to(ROOT)) for path in prefixed)
    assert flat == []
