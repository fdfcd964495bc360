"""`make lab` serves the course: start JupyterLab headless and query its REST API.

The browser itself is driven in tests/test_browser.py."""
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str):
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    """One JupyterLab for this module's tests (a start costs 10-30 s on 2 shared cores)."""
    tmp_path = tmp_path_factory.mktemp("lab")
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}"]
        + (["--allow-root"] if os.geteuid() == 0 else []),  # as `make lab` does in containers
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):  # up to 60 s for a cold start on 2 cores
            try:
                _get(f"{base}/api/status", token)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail("jupyter lab exited while starting")
                time.sleep(0.5)
        else:
            pytest.fail("jupyter lab did not answer within 60 s")
        yield base, token
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_lab_serves_every_course_notebook_and_the_course_kernel(lab_server):
    base, token = lab_server
    listing = _get(f"{base}/api/contents/notebooks", token)
    served = sorted(item["name"] for item in listing["content"] if item["type"] == "notebook")
    assert served == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert "01_pooling.ipynb" in served
    kernels = _get(f"{base}/api/kernelspecs", token)["kernelspecs"]
    assert "semantic-search-course" in kernels


def test_lab_does_not_ask_about_jupyter_news(lab_server):
    """The course ships lab-settings/overrides.json (copied by `make install`): a room of learners
    opening `make lab` sees the course, not the "get notified about official Jupyter news?" toast."""
    base, token = lab_server
    served = _get(f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification", token)
    # Lab serves the schema with the environment's overrides as its defaults; the browser applies
    # a user's own settings on top, and the fresh JUPYTER_CONFIG_DIR here has none.
    defaults = {name: spec.get("default") for name, spec in served["schema"]["properties"].items()}
    assert served["settings"] == {}, "the test's fresh config dir should hold no user settings"
    assert defaults["fetchNews"] == "false", (
        "JupyterLab will ask every learner about Jupyter news: the environment lacks the course's "
        "lab-settings/overrides.json (run `make install`, which copies it into "
        ".venv/share/jupyter/lab/settings/overrides.d/)")
    assert defaults["checkForUpdates"] is False
