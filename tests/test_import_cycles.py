"""No import cycles among the simulator's modules, counting imports made inside functions.

A cycle works until someone moves an import or calls a function at import time, and then
fails with a half-initialised module; an import hidden in a function (to dodge the cycle)
hides it from readers too. So every ``import`` statement counts, wherever it is: module
level, inside functions and methods, under ``if`` or ``try``.

The graph, read with :mod:`ast` from the source (nothing is imported):

* A module is named as Python names it: ``simulator/lecture/contrast.py`` is
  ``simulator.lecture.contrast``, ``simulator/lecture/__init__.py`` is ``simulator.lecture``.
* ``import a.b`` is an edge to ``a.b``.
* ``from a import y`` is an edge to ``a.y`` when ``a.y`` is a module (a submodule is what
  it loads), else an edge to ``a`` (``y`` is a name defined in ``a``). Relative imports are
  resolved first, so ``from . import x`` in package ``p`` is the edge ``p -> p.x``, and
  ``from .. import errors`` in ``simulator.lecture.contrast`` the edge to ``simulator.errors``.
* Importing ``a.b`` also runs the ``__init__`` of ``a``; that is not an edge, since Python
  has ``a`` initialised before its submodules run. So a package importing its submodules is
  never a cycle; a submodule that imports a name back from its package is (``p -> p.x`` for
  the package's ``from .x import ...``, ``p.x -> p`` for the submodule's ``from p import y``).
* Only modules of the packages named are nodes (the project's: ``simulator`` and ``hardware``,
  which import each other: the command line adds the rig's commands); imports of anything else
  are ignored.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def modules(root: Path, *packages: str) -> dict[str, tuple[Path, bool]]:
    """Every module of ``packages`` under ``root``: dotted name -> (file, is a package)."""
    found = {}
    for path in sorted(p for package in packages for p in (root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def import_graph(root: Path, *packages: str) -> dict[str, set[str]]:
    """The module -> imported modules graph of ``packages`` (see the module docstring)."""
    mods = modules(root, *packages)
    graph = {}
    for name, (path, is_package) in mods.items():
        here = name if is_package else name.rpartition(".")[0]   # what "." means in this file
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")
                    base = base[:len(base) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module
                targets = [f"{source}.{a.name}" if f"{source}.{a.name}" in mods else source
                           for a in node.names]
            else:
                continue
            edges.update(t for t in targets if t in mods and t != name)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan), as a path a -> ... -> a."""
    index, low, on_stack, stack, groups = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    found = []
    for group in groups:  # a shortest way back to the group's first module, for the message
        start, members = group[0], set(group)
        paths, seen = [[start]], {start}
        while paths:
            path = paths.pop(0)
            nxt = sorted(graph[path[-1]] & members)
            if start in nxt:
                found.append(path + [start])
                break
            for w in nxt:
                if w not in seen:
                    seen.add(w)
                    paths.append(path + [w])
    return found


def test_the_project_has_no_import_cycle():
    graph = import_graph(ROOT, "simulator", "hardware")
    assert "simulator.lecture.contrast" in graph and len(graph) > 30   # the walk found the modules
    assert "hardware" in graph
    found = cycles(graph)
    assert not found, "import cycles: " + "; ".join(" -> ".join(c) for c in found)


def test_the_graph_counts_imports_inside_functions_and_relative_ones():
    graph = import_graph(ROOT, "simulator")
    # session.py: "from . import experiments" at module level
    assert "simulator.experiments" in graph["simulator.session"]
    # lecture/contrast.py: "from ..cards.parity import CLASS_NAMES" (a name) and "from .network import"
    assert {"simulator.cards.parity", "simulator.lecture.network"} <= graph["simulator.lecture.contrast"]
    # panel/app.py imports experiments inside a method ("from .. import experiments")
    assert "simulator.experiments" in graph["simulator.panel.app"]


def _tree(tmp_path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize("files, expected", [
    # the cycle this test was written for: one side imports inside a function
    ({"pkg/__init__.py": "",
      "pkg/runs.py": "def run():\n    from .lecture import contrast\n    return contrast\n",
      "pkg/lecture/__init__.py": "",
      "pkg/lecture/contrast.py": "from ..runs import learn\n"},
     [["pkg.lecture.contrast", "pkg.runs", "pkg.lecture.contrast"]]),
    # a package importing its submodules, which import each other: no cycle
    ({"pkg/__init__.py": "from . import a\nfrom .b import thing\n",
      "pkg/a.py": "from . import b\nimport pkg.c\n",
      "pkg/b.py": "from .c import helper\n",
      "pkg/c.py": "import os\n"},
     []),
    # a submodule importing a name back from its package (defined there, not a submodule): a cycle
    ({"pkg/__init__.py": "from .a import f\nVERSION = 1\n",
      "pkg/a.py": "from pkg import VERSION\n"},
     [["pkg", "pkg.a", "pkg"]]),
    # ... but the same spelling naming a submodule is an edge to the submodule
    ({"pkg/__init__.py": "from .a import f\n",
      "pkg/a.py": "from pkg import b\n",
      "pkg/b.py": ""},
     []),
    # absolute "import a.b" inside a method, three modules round
    ({"pkg/__init__.py": "",
      "pkg/x.py": "class K:\n    def m(self):\n        import pkg.y\n",
      "pkg/y.py": "from pkg.z import q\n",
      "pkg/z.py": "try:\n    from . import x\nexcept ImportError:\n    pass\n"},
     [["pkg.x", "pkg.y", "pkg.z", "pkg.x"]]),
    # across two packages: the command line of one importing the other, which imports it back
    ({"pkg/__init__.py": "", "pkg/cli.py": "from rig.commands import add\n",
      "rig/__init__.py": "", "rig/commands.py": "from pkg import cli\n"},
     [["pkg.cli", "rig.commands", "pkg.cli"]]),
])
def test_the_checker_finds_cycles_and_only_cycles(tmp_path, files, expected):
    packages = sorted({name.split("/")[0] for name in files})
    assert cycles(import_graph(_tree(tmp_path, files), *packages)) == expected
