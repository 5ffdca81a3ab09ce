"""No two modules of the project import each other, directly or through others (STYLE.md,
"Services and tasks"), lazy imports inside functions included: grimp, which import-linter
installs, reports those too. The layers of DESIGN.md are checked by tests/test_architecture.py.

Nothing is exempt: migrations import no module of the project that imports them back, and the
`ready()` registrations of apps.py are imported by nothing of the project.
"""

import subprocess
import sys

import grimp

from tests.test_architecture import PACKAGES, ROOT


def import_cycles(graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, without recursion)."""
    modules = sorted(graph.modules)
    edges = {module: sorted(graph.find_modules_directly_imported_by(module)) for module in modules}
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for start in modules:
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            module, next_edge = work.pop()
            if next_edge == 0:
                index[module] = lowest[module] = len(index)
                stack.append(module)
                on_stack.add(module)
            for position in range(next_edge, len(edges[module])):
                imported = edges[module][position]
                if imported not in index:
                    work.append((module, position + 1))
                    work.append((imported, 0))
                    break
                if imported in on_stack:
                    lowest[module] = min(lowest[module], index[imported])
            else:
                if lowest[module] == index[module]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == module:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
                if work:
                    caller = work[-1][0]
                    lowest[caller] = min(lowest[caller], lowest[module])
    return sorted(cycles)


def describe(graph, cycle: list[str]) -> str:
    """Every import inside one cycle, with the line that makes it."""
    members = set(cycle)
    lines = [" ↔ ".join(cycle)]
    for importer in cycle:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append(
                    f"    {importer} -> {imported}"
                    f" (line {detail['line_number']}: {detail['line_contents']})"
                )
    return "\n".join(lines)


def report(graph) -> str:
    """Every cycle of the graph, described; empty when there is none."""
    return "\n\n".join(describe(graph, cycle) for cycle in import_cycles(graph))


def _graph():
    return grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)


def test_import_cycles_none_between_the_projects_modules():
    found = report(_graph())

    assert not found, "modules that import each other:\n" + found


def test_import_cycles_a_lazy_import_back_is_found(tmp_path):
    # A package with one cycle planted: a module-level import one way, a lazy one back.
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "__init__.py").write_text("")
    (planted / "services.py").write_text("from planted import tasks  # noqa: F401\n")
    (planted / "tasks.py").write_text("def run():\n    from planted import services  # noqa\n")
    script = (
        "import grimp, sys\n"
        "from tests.test_import_cycles import report\n"
        "graph = grimp.build_graph('planted', cache_dir=None)\n"
        "sys.stdout.write(report(graph))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "planted.services ↔ planted.tasks" in result.stdout
    assert "planted.tasks -> planted.services (line 2:" in result.stdout
