"""Shared fixtures: the `sluice` binary and a private copy of the sample data."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/sluice/target"))
SLUICE = Path(os.environ.get("SLUICE_BIN", TARGET / "debug/sluice"))


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Path:
    """A copy of sample_data, so runs never write into the repository."""
    dst = tmp_path_factory.mktemp("sample") / "sample_data"
    shutil.copytree(ROOT / "sample_data", dst, ignore=shutil.ignore_patterns("out", ".sluice"))
    return dst


def run_json(spec: Path, *args: str) -> tuple[int, list[dict]]:
    """Run a spec with --json; returns the exit code and the events."""
    p = subprocess.run([str(SLUICE), "run", str(spec), "--json", *args], capture_output=True, text=True)
    events = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    return p.returncode, events
