"""The learner's path in a real browser: JupyterLab opens the course and its kernel runs it.

JupyterLab is started as `make lab` starts it (course root, token auth, --allow-root when root),
on a free port of 127.0.0.1, and Chromium, driven by Playwright, then:
1. opens notebooks/00_start_here.ipynb, checks the kernel shown is the course's, runs all cells
   from the Run menu and waits for the setup check's last line; no cell may show an error;
2. opens a student copy (scripts/make_student.py, as `make student`), runs its imports and the
   first exercise's check cell with no answer written, and sees the NameError / "Not yet" guidance
   that TEACHING.md section 4 promises;
3. checks after each step that no JupyterLab prompt (a dialog, or a toast such as "get notified
   about official Jupyter news?") covers the notebook;
4. saves a screenshot of each step (and of a failure) under test-artifacts/browser/ (git ignores it).

Chromium: Debian's package (`apt-get install chromium`); Playwright's own browser download is not
needed. Without Playwright or Chromium the test is skipped, saying how to enable it; with `CI`
set in the environment it fails instead. COURSE_CHROMIUM names another Chromium/Chrome binary.
COURSE_LAB_ARGS adds arguments to the Lab command line (shlex syntax); it exists to show the test
failing on purpose, e.g. `--KernelSpecManager.allowed_kernelspecs=python3` hides the course kernel.
Run alone: `.venv/bin/python -m pytest tests/test_browser.py`.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
START_HERE = "notebooks/00_start_here.ipynb"
KERNEL_DISPLAY_NAME = "Semantic search course"  # as `make install` registers it (Makefile)
SCREENSHOTS = ROOT / "test-artifacts" / "browser"
LAB_START_S, KERNEL_START_S, RUN_S = 90, 90, 180  # generous: 2 cores shared with other work

# The notebook panel in front (Lab hides the other tabs' panels).
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
ERROR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
# Anything JupyterLab puts over the notebook: a modal dialog, or a toast notification.
PROMPT = ".jp-Dialog, .Toastify__toast"


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _chromium_or_skip() -> str:
    """Path of the Chromium to drive; skip (fail under CI) saying how to get what is missing."""
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright for Python is not installed (run `make install`, which installs "
                       "the pinned `playwright` of pyproject.toml's [dev] extra)")
    chromium = (os.environ.get("COURSE_CHROMIUM") or shutil.which("chromium")
                or shutil.which("chromium-browser"))
    if not chromium:
        missing.append("no Chromium found (Debian/Ubuntu: `sudo apt-get install chromium`; or set "
                       "COURSE_CHROMIUM to the path of a Chromium or Chrome binary)")
    if missing:
        message = "browser test not run: " + "; ".join(missing)
        if _under_ci():
            pytest.fail(message + ". CI is set, so the browser test must run: .ci/run installs Chromium.")
        pytest.skip(message)
    return chromium


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base: str, token: str, path: str):
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = _chromium_or_skip()
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)  # no screenshot of an earlier run left to mislead
    SCREENSHOTS.mkdir(parents=True)
    return path


@pytest.fixture(scope="module")
def lab(chromium_path, tmp_path_factory):
    """JupyterLab as `make lab` runs it, with a fresh user config (a learner's first start)."""
    home = tmp_path_factory.mktemp("lab")
    port, token = _free_port(), secrets.token_hex(16)
    # A fresh JUPYTER_CONFIG_DIR holds no user settings or workspace of the person running the test
    # (someone who once answered the news question must not hide the prompt from the test).
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"))
    # The one user setting of this test: no autosave, so running the course's notebooks in the
    # browser never rewrites the committed files (Lab autosaves every 120 s by default).
    docmanager = home / "config" / "lab" / "user-settings" / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True)
    (docmanager / "plugin.jupyterlab-settings").write_text('{"autosave": false}\n')
    command = ([sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}"]
               + (["--allow-root"] if os.geteuid() == 0 else [])  # as `make lab` does in containers
               + shlex.split(os.environ.get("COURSE_LAB_ARGS", "")))
    log_path = home / "lab.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + LAB_START_S
        while True:
            try:
                _api(base, token, "/api/status")
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"jupyter lab exited with code {server.returncode} while starting:\n"
                                + log_path.read_text(errors="replace")[-3000:])
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer within {LAB_START_S} s; its log:\n"
                                + log_path.read_text(errors="replace")[-3000:])
                time.sleep(0.25)  # polling the port: there is no event to wait on
        yield base, token
    finally:
        server.terminate()  # jupyter_server shuts its kernels down on SIGTERM
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture()
def page(lab, chromium_path):
    """A Chromium page of its own browser, closed afterwards."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        # --no-sandbox: Chromium refuses to run as root without it (containers, CI);
        # --disable-dev-shm-usage: containers often give /dev/shm only 64 MB, which crashes tabs.
        browser = playwright.chromium.launch(executable_path=chromium_path,
                                             args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


@contextlib.contextmanager
def _screenshot_on_failure(page, test_name: str):
    """Save what the page showed when a step failed, for a person to look at."""
    try:
        yield
    except BaseException:  # pytest.fail raises a BaseException
        with contextlib.suppress(Exception):  # never hide the failure behind a screenshot's own
            errors = page.locator(f"{PANEL} {ERROR_OUTPUT}")
            if errors.count():  # show the first error, not wherever the notebook was scrolled to
                errors.first.scroll_into_view_if_needed(timeout=5_000)
            page.screenshot(path=SCREENSHOTS / f"FAILED-{test_name}.png")
        raise


def _shot(page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / name)


def _wait_for_state(page, script: str, timeout_s: float, what: str, arg=None):
    """Wait until the JS `script` returns a non-null value (a condition, no fixed sleep); return it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    try:
        return page.wait_for_function(script, arg=arg, timeout=timeout_s * 1000, polling=200).json_value()
    except PlaywrightTimeout:
        pytest.fail(f"timed out after {timeout_s} s waiting for {what}")


def _open_notebook(page, base: str, token: str, path: str) -> None:
    """Open `path` in Lab and wait until its kernel is idle; fail if it is not the course kernel."""
    # `reset` starts from an empty workspace: no tab from an earlier test is restored.
    page.goto(f"{base}/lab/tree/{path}?reset&token={token}")
    state = _wait_for_state(page, f"""() => {{
        const dialog = document.querySelector('.jp-Dialog');
        if (dialog) return {{dialog: dialog.innerText}};
        const panel = document.querySelector('{PANEL}');
        if (!panel) return null;
        const name = panel.querySelector('.jp-Toolbar-kernelName');
        const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');
        const label = name ? name.getAttribute('aria-label') : '';
        // 'No Kernel' shows until the session has started one: wait for the kernel's own name.
        if (!label || label === 'No Kernel' || !status || status.dataset.status !== 'idle') return null;
        return {{kernel: label}};
    }}""", KERNEL_START_S, f"{path} to open with an idle kernel (the toolbar still says 'No Kernel' "
         "or the kernel is not idle: is the course kernel registered? `make install` registers it)")
    assert "dialog" not in state, (
        f"opening {path}, JupyterLab shows a dialog instead of the notebook (is the course kernel "
        f"registered? `make install` registers it):\n{state.get('dialog')}")
    assert state["kernel"] == KERNEL_DISPLAY_NAME, (
        f"{path} opened on the kernel {state['kernel']!r}, not {KERNEL_DISPLAY_NAME!r}: the course "
        "kernel is missing or the notebook names another one (`make install` registers it)")


def _assert_no_prompt(page, where: str) -> None:
    prompts = page.locator(PROMPT)
    texts = [prompts.nth(i).inner_text().strip() for i in range(prompts.count())]
    assert not texts, (f"{where}: JupyterLab shows a prompt over the notebook: {texts}. The news "
                       "question is turned off by lab-settings/overrides.json, which `make install` "
                       "copies into .venv/share/jupyter/lab/settings/overrides.d/")


def _errors(page) -> list[str]:
    errors = page.locator(f"{PANEL} {ERROR_OUTPUT}")
    return [errors.nth(i).inner_text() for i in range(errors.count())]


def _last_stdout_line(notebook: Path) -> str:
    """The last line printed by the notebook's last code cell, as stored (nbval keeps it current)."""
    nb = nbformat.read(notebook, as_version=4)
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    text = "".join(o.get("text", "") for o in last.outputs if o.output_type == "stream" and o.name == "stdout")
    assert text.strip(), f"{notebook.name}: its last code cell has no stored output to wait for"
    return text.strip().splitlines()[-1]


def test_start_here_runs_all_cells_on_the_course_kernel(lab, page):
    with _screenshot_on_failure(page, "start-here"):
        _run_start_here(page, *lab)


def _run_start_here(page, base: str, token: str) -> None:
    committed = (ROOT / START_HERE).read_bytes()
    success_line = _last_stdout_line(ROOT / START_HERE)
    n_code = sum(c.cell_type == "code" for c in nbformat.read(ROOT / START_HERE, as_version=4).cells)

    _open_notebook(page, base, token, START_HERE)
    _shot(page, "1-start-here-opened.png")

    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item", has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))).click()
    state = _wait_for_state(page, f"""(line) => {{
        const panel = document.querySelector('{PANEL}');
        const error = panel.querySelector('{ERROR_OUTPUT}');
        if (error) return {{error: error.innerText}};
        const dialog = document.querySelector('.jp-Dialog');
        if (dialog) return {{error: 'a dialog: ' + dialog.innerText}};
        const outputs = [...panel.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText);
        const status = panel.querySelector('.jp-Notebook-ExecutionIndicator').dataset.status;
        const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.innerText.trim());
        if (outputs.some(o => o.includes(line)) && status === 'idle'
            && prompts.every(p => /^\\[\\d+\\]:$/.test(p))) return {{prompts}};
        return null;
    }}""", RUN_S, f"the setup check's line {success_line!r} after Run All Cells", arg=success_line)
    _shot(page, "2-start-here-ran.png")
    assert "error" not in state, f"{START_HERE} stopped with an error output:\n{state['error']}"
    assert state["prompts"] == [f"[{i}]:" for i in range(1, n_code + 1)], (
        f"expected the {n_code} code cells run once each, in order, by a fresh kernel; prompts: {state['prompts']}")
    assert _errors(page) == [], f"{START_HERE}: error outputs after Run All Cells: {_errors(page)}"
    _assert_no_prompt(page, f"{START_HERE} after Run All Cells")
    # Toasts sit at the window's corner whatever the scroll; show the version lines of the setup check.
    page.locator(f"{PANEL} .jp-CodeCell .jp-OutputArea-output").first.scroll_into_view_if_needed()
    _shot(page, "3-no-prompt-over-start-here.png")
    assert (ROOT / START_HERE).read_bytes() == committed, f"running {START_HERE} in Lab rewrote the file"


@pytest.fixture()
def student_copies():
    """Student copies written by scripts/make_student.py (as `make student`) into a folder of their
    own inside student/ (git ignores it; Lab can only open files under its root; a learner's own
    student/ copies are left alone). Removed afterwards."""
    parent = ROOT / "student"
    parent_existed = parent.exists()
    target = parent / f"browser-test-{secrets.token_hex(4)}"
    result = subprocess.run([sys.executable, "scripts/make_student.py", "notebooks", str(target)],
                            cwd=ROOT, capture_output=True, text=True)
    try:
        assert result.returncode == 0, f"scripts/make_student.py failed:\n{result.stdout}{result.stderr}"
        yield target
    finally:
        shutil.rmtree(target, ignore_errors=True)
        if not parent_existed and parent.exists() and not any(parent.iterdir()):
            parent.rmdir()


def _first_exercise(folder: Path) -> tuple[Path, set[str]]:
    """The first student notebook with an emptied solution cell, and the names its solution set."""
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        teacher = nbformat.read(ROOT / "notebooks" / path.name, as_version=4)
        for cell in teacher.cells:
            if cell.cell_type == "code" and "solution" in cell.metadata.get("tags", []):
                body = cell.source.split("# BEGIN SOLUTION")[1].split("# END SOLUTION")[0]
                return path, set(re.findall(r"^\s*(\w+)\s*=", body, flags=re.MULTILINE))
    pytest.fail(f"no notebook in {folder} has a solution cell to try")


def test_student_copy_exercise_check_says_what_is_missing(lab, page, student_copies):
    with _screenshot_on_failure(page, "student-exercise"):
        _run_student_exercise(page, *lab, student_copies)


def _run_student_exercise(page, base: str, token: str, student_copies: Path) -> None:
    notebook, solution_names = _first_exercise(student_copies)
    relative = notebook.relative_to(ROOT).as_posix()
    _open_notebook(page, base, token, relative)
    panel = page.locator(PANEL)

    # A learner who jumps to the exercise: run the imports cell (every notebook's first code cell),
    # then the exercise's check cell with nothing written in place of "# YOUR CODE HERE".
    cells = panel.locator(".jp-CodeCell")
    cells.first.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    _wait_for_state(page, f"""() => {{
        const prompt = document.querySelector('{PANEL} .jp-CodeCell .jp-InputPrompt').innerText.trim();
        return prompt === '[1]:' ? prompt : null;
    }}""", RUN_S, f"the imports cell of {relative} to run")
    assert _errors(page) == [], f"{relative}: its imports cell failed: {_errors(page)}"

    exercise = cells.filter(has_text="# YOUR CODE HERE").first
    exercise.scroll_into_view_if_needed()
    exercise.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    output = exercise.locator(".jp-OutputArea-output")
    output.first.wait_for(timeout=RUN_S * 1000)
    text = output.first.inner_text()
    exercise.scroll_into_view_if_needed()
    _shot(page, "4-student-exercise-check.png")

    name_error = re.search(r"NameError: name '(\w+)' is not defined", text)
    assert "Not yet:" in text or name_error, (
        f"{relative}: the exercise's check cell, run without an answer, should say `Not yet: ...` or "
        f"stop with a NameError (TEACHING.md section 4); it showed:\n{text}")
    if name_error:
        assert name_error.group(1) in solution_names, (
            f"{relative}: the NameError names {name_error.group(1)!r}, which the learner is not asked "
            f"to define (the solution sets {sorted(solution_names)}): the check needs earlier cells")
    _assert_no_prompt(page, f"{relative} after the exercise's check")
