"""Import contracts from pyproject: dependencies flow one way; only profiles/measure*.py imports torch."""

import ast
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
    users = [str(p.relative_to(ROOT)) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")
             if "torch" in imported_packages(p)]
    assert all(u.startswith("profiles/measure") for u in users), users


def test_importing_the_cli_leaves_torch_unloaded():
    code = ("import sys, tracefit.cli, ingest, warehouse, profiles, recommend, dashboards; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
