"""A wheel built from the project, installed without -e, starts with its style sheet, icons and sounds.

The wheel goes into a folder of its own (``--target``, no dependencies: PySide6 and the rest
come from this test environment) and runs from a working directory outside the repository,
with that folder on PYTHONPATH, so nothing can be read from the source tree.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def resource_files(root: Path):
    """packaging/resource_files.py's list, as the bundle's spec reads it (packaging/ is no importable package:
    its name is PyPA's library's)."""
    spec = importlib.util.spec_from_file_location("resource_files", root / "packaging" / "resource_files.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.resource_files(root)

PROBE = """
import wave
from ui import resources
from ui.sound import SOUNDS
print("from", resources.files())
assert "#scanField" in resources.stylesheet("station")
assert not resources.icon("certline").isNull()
for name in SOUNDS:
    with wave.open(str(resources.sound(name))) as sound:
        assert sound.getnframes() > 0
print("resources ok")
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Built from a copy of the files git knows: a build/ folder left in the checkout by an earlier
    # build could otherwise slip a file into the wheel that the repository no longer has.
    source = tmp_path_factory.mktemp("source")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(source)],
                   check=True, capture_output=True, timeout=600)
    (built,) = folder.glob("certline-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=600)
    return target


def run(installed: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    environment = dict(os.environ, PYTHONPATH=str(installed), QT_QPA_PLATFORM="offscreen",
                       CERTLINE_DATA=str(tmp_path / "data"))
    return subprocess.run([sys.executable, *args], cwd=tmp_path, env=environment, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.slow
def test_the_wheel_carries_the_resources_and_not_the_screenshots(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packaged = {name for name in names if name.startswith("certline_resources/")}
    expected = {f"{folder}/{path.name}" for path, folder in resource_files(ROOT)}
    assert packaged == expected  # the bundle's spec takes the same list
    assert {"certline_resources/station.qss", "certline_resources/icons/certline.svg",
            "certline_resources/sounds/attached.wav", "certline_resources/sounds/refused.wav"} <= packaged
    assert not [name for name in names if "/screenshots/" in name or name.endswith(".png")]
    assert not [name for name in names if name.startswith(("tests/", "resources/"))]


@pytest.mark.slow
def test_the_installed_wheel_loads_its_resources_outside_the_source_tree(installed, tmp_path):
    done = run(installed, tmp_path, "-c", PROBE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "resources ok" in done.stdout
    assert str(installed) in done.stdout and str(ROOT) not in done.stdout


@pytest.mark.slow
def test_the_installed_wheel_passes_its_self_test_with_its_style(installed, tmp_path):
    check = run(installed, tmp_path, "-c", "import ui, app; print(ui.__file__, app.__file__)")
    assert check.returncode == 0 and str(ROOT) not in check.stdout, check.stdout + check.stderr
    done = run(installed, tmp_path, "-m", "ui.main", "--self-test")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "station: ok" in done.stdout and "resources: ok" in done.stdout
