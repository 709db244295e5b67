"""The PyInstaller bundle builds and passes its own self-test offscreen.

Marked ``bundle``: it builds for a minute, so deselect it locally with ``-m "not bundle"``;
the README's test command (and so CI) runs it.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    work = tmp_path_factory.mktemp("bundle")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pyinstaller>=6.10"], check=True, timeout=600)
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", str(work / "dist"),
                    "--workpath", str(work / "build"), str(ROOT / "packaging" / "certline.spec")],
                   check=True, capture_output=True, timeout=900)
    return work / "dist" / "certline"


def run(executable: Path, *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", CERTLINE_DATA=str(tmp_path / "data"))
    return subprocess.run([str(executable), *args], env=environment, capture_output=True, text=True, timeout=120)


@pytest.mark.bundle
def test_the_bundled_station_passes_its_self_test(bundle, tmp_path):
    done = run(bundle / "certline", "--self-test", tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "audit chain: intact" in done.stdout
    assert "station: ok" in done.stdout and "resources: ok" in done.stdout  # its style sheet, icon and sounds
    assert not (tmp_path / "data" / "certline.sqlite3").exists()  # the plant's database is never touched


@pytest.mark.bundle
def test_the_bundle_reports_its_version_and_its_cli_works(bundle, tmp_path):
    done = run(bundle / "certline", "--version", tmp_path=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == f"certline {app.__version__}"
    database = tmp_path / "bundle.sqlite3"
    init = run(bundle / "certline-cli", "init", "--db", str(database), tmp_path=tmp_path)
    assert init.returncode == 0, init.stderr
    missing = run(bundle / "certline-cli", "attach", "SN-1", "cert_x", "--user", "u", "--db", str(database),
                  tmp_path=tmp_path)
    assert missing.returncode == 4 and "not found: " in missing.stderr  # neither the serial nor the certificate
    report = tmp_path / "audit.pdf"  # fpdf2 and the font it embeds are in the bundle
    exported = run(bundle / "certline-cli", "export", "audit", "--pdf", str(report), "--db", str(database),
                   tmp_path=tmp_path)
    assert exported.returncode == 0 and exported.stderr == "", exported.stderr
    assert report.read_bytes().startswith(b"%PDF-")


@pytest.mark.bundle
def test_the_bundle_carries_the_same_resources_as_the_wheel(bundle):
    from tests.packaging.test_wheel import resource_files

    (package,) = bundle.rglob("certline_resources")
    carried = {path.relative_to(package.parent).as_posix() for path in package.rglob("*")
               if path.is_file() and "__pycache__" not in path.parts}  # Python's own cache from running it
    assert carried == {f"{folder}/{path.name}" for path, folder in resource_files(ROOT)}
    assert not list(bundle.rglob("screenshots"))
