"""Injected faults: signals, I/O errors, misbehaving plugins and hostile text. Nothing half-written."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import actplot.files
from actplot.cli import cli
from actplot.files import leftover_temporaries

ACTPLOT = [sys.executable, "-m", "actplot"]
FEW = ["relu", "sigmoid", "gelu", "elu", "tanh", "hardshrink"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def assert_whole(folder: Path, before: dict[str, bytes]) -> None:
    """Every file is either as it was or a complete new file; no temporary file is left."""
    assert leftover_temporaries(folder) == []
    for path in folder.iterdir():
        data = path.read_bytes()
        if before.get(path.name) == data:
            continue
        if path.suffix == ".svg":
            ET.fromstring(data)  # raises on a truncated file
        elif path.suffix == ".json":
            json.loads(data)
        else:
            assert data.rstrip().endswith((b"</html>", b"|")), path.name


def wait(proc: subprocess.Popen, seconds: float) -> tuple[int, float, bytes, bytes]:
    start = time.perf_counter()
    try:
        stdout, stderr = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # never leave a hung process behind
        proc.communicate()
        raise
    return proc.returncode, time.perf_counter() - start, stdout, stderr


@pytest.fixture
def previous_gallery(tmp_path) -> Path:
    out = tmp_path / "gallery"
    subprocess.run([*ACTPLOT, "gallery", "--out", str(out), "--jobs", "2", *FEW], check=True, capture_output=True)
    return out


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_gallery_exits_promptly_and_leaves_whole_files(previous_gallery, sig, code):
    before = snapshot(previous_gallery)
    proc = subprocess.Popen(
        [*ACTPLOT, "gallery", "--out", str(previous_gallery), "--jobs", "2", "--num", "20001"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    time.sleep(2.5)
    assert proc.poll() is None, "the gallery finished before it could be interrupted"
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C reaches the whole process group, workers included
    else:
        os.kill(proc.pid, sig)  # a plain kill reaches the main process only
    returncode, elapsed, _, stderr = wait(proc, 20)
    assert returncode == code and elapsed < 10
    assert b"Traceback" not in stderr and b"interrupted" in stderr
    assert_whole(previous_gallery, before)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_large_compare_exits_promptly(tmp_path, sig, code):
    proc = subprocess.Popen(
        [*ACTPLOT, "compare", "gelu", "--num", "1e9"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    time.sleep(2.0)
    assert proc.poll() is None
    os.killpg(proc.pid, sig)
    returncode, elapsed, stdout, stderr = wait(proc, 20)
    assert returncode == code and elapsed < 5
    assert stdout == b"" and b"Traceback" not in stderr  # no partial table
    assert list(tmp_path.iterdir()) == []


# --- output faults ---------------------------------------------------------------------------


def test_read_only_folder_is_an_io_error_and_old_files_stay(runner, previous_gallery, monkeypatch):
    before = snapshot(previous_gallery)

    def refuse(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(actplot.files.tempfile, "mkstemp", refuse)
    result = runner.invoke(cli, ["gallery", "--out", str(previous_gallery), "--jobs", "1", *FEW])
    assert result.exit_code == 1
    assert "Permission denied" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(previous_gallery) == before


def test_full_disk_is_an_io_error_and_old_files_stay(runner, tmp_path, monkeypatch):
    target = tmp_path / "f.svg"
    target.write_text("<svg>old</svg>")
    real_open = open

    class Full:
        def __init__(self, handle):
            self.handle = handle

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    monkeypatch.setattr(actplot.files, "open", lambda *a, **k: Full(real_open(*a, **k)), raising=False)
    result = runner.invoke(cli, ["plot", "relu", "--out", str(target)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot write") and "No space left on device" in result.stderr
    assert target.read_text() == "<svg>old</svg>"
    assert leftover_temporaries(tmp_path) == []


def test_really_full_tmpfs_when_the_machine_allows(runner, tmp_path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here; the injected ENOSPC test covers the behaviour")
    try:
        result = runner.invoke(cli, ["plot", "gelu", "--out", str(mount / "f.png"), "--dpi", "300"])
        assert result.exit_code == 1 and "No space left on device" in result.stderr
        assert list(mount.iterdir()) == []
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_output_path_that_is_a_directory(runner, tmp_path):
    (tmp_path / "f.png").mkdir()
    result = runner.invoke(cli, ["plot", "relu", "--out", str(tmp_path / "f.png")])
    assert result.exit_code == 1 and "it is a directory" in result.stderr


def test_output_that_is_not_a_regular_file_is_never_replaced(tmp_path):
    fifo = tmp_path / "pipe.svg"
    os.mkfifo(fifo)
    with pytest.raises(actplot.OutputError, match="not a regular file"):
        actplot.files.write_text(fifo, "x")
    assert fifo.exists() and not fifo.is_file()


def test_folder_that_disappears_mid_run(runner, tmp_path, monkeypatch):
    import actplot.gallery

    out = tmp_path / "g"
    real = actplot.gallery._write_indexes

    def vanish(*args, **kwargs):
        shutil.rmtree(out)  # someone deletes the folder while the gallery is being written
        return real(*args, **kwargs)

    monkeypatch.setattr(actplot.gallery, "_write_indexes", vanish)
    result = runner.invoke(cli, ["gallery", "--out", str(out), "--jobs", "1", "relu"])
    assert result.exit_code == 1 and "does not exist" in result.stderr and "Traceback" not in result.stderr


# --- plugins ---------------------------------------------------------------------------------


def plugin(tmp_path: Path, body: str) -> str:
    path = tmp_path / "fault_plugin.py"
    path.write_text("import time\nimport numpy as np\nfrom actplot import Param, activation\n" + body)
    return str(path)


def test_plugin_raising_on_declaration_is_reported(runner, tmp_path):
    path = plugin(tmp_path, "@activation('bad', params=[Param()])\ndef bad(x):\n    return x\n")  # TypeError
    result = runner.invoke(cli, ["eval", "relu", "--at", "0", "--plugin", path])
    assert result.exit_code == 0
    assert "warning: plugin" in result.stderr and "fault_plugin.py" in result.stderr


def test_plugin_sleeping_on_call_is_stopped(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("ACTPLOT_PLUGIN_TIMEOUT", "0.5")
    path = plugin(tmp_path, "@activation('sleepy')\ndef sleepy(x):\n    'Sleeps.'\n    time.sleep(20)\n    return x\n")
    start = time.perf_counter()
    result = runner.invoke(cli, ["compare", "sleepy", "relu", "--plugin", path])
    assert time.perf_counter() - start < 5
    assert result.exit_code == 1 and "took longer than 0.5 s" in result.stderr and "'sleepy'" in result.stderr


def test_plugin_sleeping_on_import_is_a_broken_plugin(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("ACTPLOT_PLUGIN_TIMEOUT", "0.5")
    path = plugin(tmp_path, "time.sleep(20)\n")
    result = runner.invoke(cli, ["list", "--plugin", path])
    assert result.exit_code == 0 and "loading took longer than 0.5 s" in result.stderr


def test_plugin_returning_nan_in_plot_and_gallery(runner, tmp_path):
    from tests.conftest import PLUGINS

    path = str(PLUGINS / "misbehaving_plugin.py")
    result = runner.invoke(cli, ["plot", "nan_inside", "--plugin", path, "--out", str(tmp_path / "f.png")])
    assert result.exit_code == 1 and "returned nan at finite x" in result.stderr
    assert not (tmp_path / "f.png").exists()


# --- hostile text ----------------------------------------------------------------------------

HOSTILE = '''
@activation(
    "evil",
    formula="x --> <script>alert(1)</script> \\x1b[2J",
    reference="<img src=x onerror=alert(1)> \\x1b]0;pwned\\x07",
    notes="\\x1b[31mred\\x1b[0m & <b>",
)
def evil(x):
    """Evil \\x1b[1mbold\\x1b[0m <script>alert('s')</script>"""
    return np.tanh(x)
'''


def test_plugin_text_is_escaped_in_the_terminal(runner, tmp_path):
    path = plugin(tmp_path, HOSTILE)
    for args in (["info", "evil"], ["list"], ["eval", "evil", "--at", "0"], ["compare", "evil"]):
        result = runner.invoke(cli, [*args, "--plugin", path])
        assert result.exit_code == 0, result.stderr
        assert "\x1b" not in result.stdout + result.stderr and "\x07" not in result.stdout
    info = runner.invoke(cli, ["info", "evil", "--plugin", path]).stdout
    assert "\\x1b]0;pwned\\x07" in info  # shown, escaped


def test_plugin_text_is_escaped_in_svg_and_html(runner, tmp_path):
    path = plugin(tmp_path, HOSTILE)
    out = tmp_path / "g"
    result = runner.invoke(cli, ["gallery", "--out", str(out), "--jobs", "1", "--plugin", path, "evil", "relu"])
    assert result.exit_code == 0, result.stderr
    svg = (out / "evil.svg").read_text()
    ET.fromstring(svg)
    assert "<script" not in svg and "<img" not in svg
    html = (out / "index.html").read_text()
    assert html.count("<script") == 1  # the page's own
    assert "onerror" not in html and "\x1b" not in html
