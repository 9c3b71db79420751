"""Import contracts from pyproject: dependencies flow one way; only profiles/measure*.py imports torch."""

import ast
import fnmatch
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ingest", "warehouse", "profiles", "recommend", "dashboards", "tracefit")


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_forbidden_imports():
    forbidden = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["tracefit"]["contracts"]["forbidden"]
    violations = []
    for package, banned in forbidden.items():
        for path in (ROOT / package).rglob("*.py"):
            bad = imported_packages(path) & set(banned)
            violations += [f"{path.relative_to(ROOT)} imports {b}" for b in sorted(bad)]
    assert not violations


def test_only_measuring_code_imports_torch():
    users = [
        str(p.relative_to(ROOT))
        for pkg in PACKAGES
        for p in (ROOT / pkg).rglob("*.py")
        if "torch" in imported_packages(p)
    ]
    assert all(u.startswith("profiles/measure") for u in users), users


def test_importing_the_cli_leaves_torch_unloaded():
    code = "import sys, tracefit.cli, ingest, warehouse, profiles, recommend, dashboards; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# tracefit/ is wiring (parse options, call library functions, print): its queries live in warehouse/
# (warehouse/inputs/, warehouse/sql/). A call of one of these names, or a string that reads as SQL
# outside a docstring (help text may show `tracefit sql "SELECT ..."`), is a query in the wrong place.
QUERY_CALLS = {"run_sql", "execute", "sql", "register", "fetch_one", "fetchall", "fetchone"}
SQL_TEXT = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|WITH)\b.*\b(FROM|INTO|TABLE|VIEW|AS)\b", re.S)


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef))]
    return {
        id(n.body[0].value)
        for n in nodes
        if n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)
    }


def query_sites(source: str) -> list[str]:
    """Where `source` calls a query method or holds SQL text (docstrings aside), as 'line: what'."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in QUERY_CALLS:
                found.append(f"{node.lineno}: calls {name}()")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            if SQL_TEXT.search(node.value):
                found.append(f"{node.lineno}: SQL text {node.value[:40]!r}")
    return found


def test_query_sites_sees_sql_but_not_help_text():
    assert (
        query_sites('def f(con):\n    """Example: tracefit sql "SELECT * FROM requests"."""\n    return g(con)\n') == []
    )
    assert query_sites('rows = con.execute("SELECT DISTINCT model FROM requests").fetchall()\n') == [
        "1: calls fetchall()",
        "1: calls execute()",
        "1: SQL text 'SELECT DISTINCT model FROM requests'",
    ]
    assert query_sites('frame = run_sql(con, "dash_runs")\n') == ["1: calls run_sql()"]


def test_tracefit_runs_no_sql():
    sites = [
        f"{p.relative_to(ROOT)}:{s}"
        for p in sorted((ROOT / "tracefit").rglob("*.py"))
        for s in query_sites(p.read_text())
    ]
    assert not sites, "move these queries into warehouse/ (warehouse/inputs/):\n" + "\n".join(sites)


def test_bench_never_imports_tracefit():
    """bench/ measures the libraries, or runs the `tracefit` console script; never imports the CLI package."""
    users = []
    for path in sorted((ROOT / "bench").glob("*.py")):
        tree = ast.parse(path.read_text())
        strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        if "tracefit" in imported_packages(path) or any(re.search(r"\b(from|import) tracefit\b", s) for s in strings):
            users.append(str(path.relative_to(ROOT)))
    assert not users


def test_every_package_folder_is_installed():
    """pyproject's package list once named each subpackage by hand and missed warehouse.mine and
    warehouse.inputs: an editable install hid it, a wheel would not have imported."""
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    folders = {
        ".".join(p.parent.relative_to(ROOT).parts) for pkg in PACKAGES for p in (ROOT / pkg).rglob("__init__.py")
    }
    missed = sorted(f for f in folders if not any(fnmatch.fnmatchcase(f, pattern) for pattern in include))
    assert len(folders) > len(PACKAGES) and not missed
