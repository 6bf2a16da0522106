"""Every notebook in notebooks/ runs from a clean checkout, and is committed without outputs."""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import ssup_classifier

nbformat = pytest.importorskip("nbformat", reason="install the notebooks extra: pip install '.[notebooks]'")
nbclient = pytest.importorskip("nbclient", reason="install the notebooks extra: pip install '.[notebooks]'")
pytest.importorskip("ipykernel", reason="install the notebooks extra: pip install '.[notebooks]'")
pytest.importorskip("matplotlib", reason="install the notebooks extra: pip install '.[notebooks]'")
from ipykernel.kernelspec import write_kernel_spec  # noqa: E402
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
README = (ROOT / "README.md").read_text(encoding="utf-8")
# The README's command that strips outputs (the section "Notebooks").
STRIP = re.search(r"^## Notebooks\n.*?```console\n(python .*?)\n```", README, flags=re.S | re.M)


def code_cells(path: Path) -> list[nbformat.NotebookNode]:
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_there_are_notebooks_named_in_order() -> None:
    names = [p.name for p in NOTEBOOKS]
    assert names[:3] == ["01-dataset.ipynb", "02-model.ipynb", "03-error-analysis.ipynb"]
    assert all(n[:2].isdigit() and n[2] == "-" for n in names)


def test_readmes_strip_command_strips(tmp_path: Path) -> None:
    assert STRIP, "README.md, section Notebooks, should give the command that strips outputs"
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    (tmp_path / "notebooks").mkdir()
    for name in ("a.ipynb", "b.ipynb"):
        cell = new_code_cell("1 + 1", execution_count=1, outputs=[new_output("execute_result", {"text/plain": "2"})])
        nbformat.write(new_notebook(cells=[cell]), tmp_path / "notebooks" / name)
    python, *args = shlex.split(STRIP.group(1))
    assert python == "python"
    argv = [sys.executable]
    for arg in args:  # expand the glob as the shell would
        argv += [str(p.relative_to(tmp_path)) for p in sorted(tmp_path.glob(arg))] if "*" in arg else [arg]
    subprocess.run(argv, cwd=tmp_path, check=True)
    for name in ("a.ipynb", "b.ipynb"):
        cell = code_cells(tmp_path / "notebooks" / name)[0]
        assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path: Path) -> None:
    dirty = [i for i, c in enumerate(code_cells(path)) if c.outputs or c.execution_count is not None]
    fix = STRIP.group(1) if STRIP else "see README.md, Notebooks"
    assert not dirty, f"{path.name}: code cells {dirty} carry outputs or execution counts; run: {fix}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_uses_the_public_api_only(path: Path) -> None:
    """Notebooks import names from ``ssup_classifier`` itself, never from its modules; logic lives there."""
    for cell in code_cells(path):
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ssup_classifier"):
                assert node.module == "ssup_classifier", f"{path.name}: import from {node.module}"
                assert {a.name for a in node.names} <= set(ssup_classifier.__all__), f"{path.name}: private name"
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("ssup_classifier.") for a in node.names), path.name
            assert not isinstance(node, ast.FunctionDef | ast.ClassDef), f"{path.name}: move {node.name} to the package"


@pytest.fixture
def python3_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the kernel "python3" this interpreter, whatever kernels the machine has installed."""
    write_kernel_spec(tmp_path / "kernels" / "python3")  # its argv starts with sys.executable
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))  # searched before every other kernel directory
    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable


@pytest.mark.usefixtures("python3_here")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    # One BLAS thread: the notebooks fit small logistic regressions, which many threads only slow
    # down (20-70x when the 2 cores are busy); MPLBACKEND: figures inline whatever the user's config.
    env = os.environ | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                        "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    client.execute(env=env)  # raises CellExecutionError, naming the cell, on any error
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert figures, f"{path.name} draws no figure"
    warnings = [o.text for o in outputs if o.get("name") == "stderr" and "ssup_classifier" in o.text]
    assert not warnings, f"{path.name}: our code warned: {warnings}"
    assert nb.cells[0].cell_type == "markdown", f"{path.name} should open with its questions"
    assert nb.cells[-1].cell_type == "markdown" and "Conclusion" in nb.cells[-1].source, f"{path.name}: conclusion"
