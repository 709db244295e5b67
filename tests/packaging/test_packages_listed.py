"""Every package of the application is named in pyproject's list, and every name there is a package.

setuptools installs exactly ``[tool.setuptools] packages`` (and packaging/certline.spec bundles that
list): a package left out is missing from the wheel and the bundle while the source tree, and so every
test run from it, still imports it. A wheel without ``ui.office`` would start without the office.
"""
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def setuptools_table() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["tool"]["setuptools"]


def folder_of(package: str, package_dir: dict[str, str]) -> Path:
    """Where a package's files are, as setuptools finds them: its own mapping, a parent's, or its name."""
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        mapped = package_dir.get(".".join(parts[:cut]))
        if mapped is not None:
            return ROOT.joinpath(mapped, *parts[cut:])
    return ROOT.joinpath(*parts)


def packages_on_disk(top: str, folder: Path) -> set[str]:
    """The packages under a top-level package's folder: every folder below it holding an ``__init__.py``."""
    return {".".join([top, *init.parent.relative_to(folder).parts]) for init in folder.rglob("__init__.py")
            if "__pycache__" not in init.parts}


def test_every_package_on_disk_is_listed_and_every_listed_one_exists():
    table = setuptools_table()
    listed, package_dir = set(table["packages"]), table.get("package-dir", {})
    tops = {name for name in listed if "." not in name}
    assert {"app", "ui", "certline_resources"} <= tops
    on_disk = set().union(*(packages_on_disk(top, folder_of(top, package_dir)) for top in tops))
    assert {"app.reports", "app.cli", "ui.office", "ui.station"} <= on_disk  # the walk finds real packages
    assert sorted(on_disk - listed) == [], "packages missing from [tool.setuptools] packages"
    assert sorted(name for name in listed if not (folder_of(name, package_dir) / "__init__.py").is_file()) == []


def test_no_folder_of_python_modules_lacks_an_init():
    # A folder of modules without __init__.py imports from the source tree as a namespace package,
    # but no walk for __init__.py finds it, and nothing here would list it.
    table = setuptools_table()
    package_dir = table.get("package-dir", {})
    loose = []
    for top in (name for name in table["packages"] if "." not in name):
        folder = folder_of(top, package_dir)
        for module in folder.rglob("*.py"):
            if "__pycache__" not in module.parts and not (module.parent / "__init__.py").is_file():
                loose.append(str(module.parent.relative_to(ROOT)))
    assert sorted(set(loose)) == []


def test_the_mapping_is_read_as_setuptools_reads_it():
    mapped = {"certline_resources": "resources"}
    assert folder_of("certline_resources", mapped) == ROOT / "resources"
    assert folder_of("certline_resources.fonts", mapped) == ROOT / "resources" / "fonts"
    assert folder_of("ui.office", mapped) == ROOT / "ui" / "office"
