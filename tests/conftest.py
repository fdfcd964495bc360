"""Shared fixtures: the real model is loaded once per test session, and nothing a test opens outlives it."""
import importlib.util
import os
import sys
import threading
import time

import pytest

from helpers.course import repro


@pytest.fixture(scope="session")
def encoder():
    """The course's default TextEncoder (all-MiniLM-L6-v2, mean pooling), loaded offline."""
    repro.setup()
    from helpers.encode.embed import TextEncoder
    return TextEncoder("sentence-transformers/all-MiniLM-L6-v2")


# Milvus Lite (milvus-lite 3.2.2) serves each .db path from a gRPC server in this process, and
# MilvusClient.close() stops neither that server nor, for a shared connection (pymilvus 3.0.2's
# default), the channel: both live until the interpreter exits, and the channel's keepalive pings
# (every 10 s) draw `GOAWAY ... too_many_pings` from the server for the rest of the session. A
# dedicated connection is closed by close(); the server is stopped by its manager's release_server.
def close_milvus_lite(client, path) -> None:
    """Close `client` (opened with dedicated=True), then stop the Milvus Lite server of `path`."""
    from milvus_lite.server_manager import server_manager_instance
    client.close()
    server_manager_instance.release_server(str(path))


@pytest.fixture
def milvus_lite():
    """A function that opens a MilvusClient on a .db path; every client and server it opened is
    closed when the test ends. Call `close(client)` to close one earlier (a reopened database)."""
    from pymilvus import MilvusClient
    opened = []

    def open_client(path):
        client = MilvusClient(str(path), dedicated=True)
        opened.append((client, path))
        return client

    def close(client):
        for pair in [p for p in opened if p[0] is client]:
            opened.remove(pair)
            close_milvus_lite(*pair)

    open_client.close = close
    yield open_client
    while opened:
        close_milvus_lite(*opened.pop())


def open_milvus() -> set[str]:
    """The Milvus Lite servers and pymilvus connections open in this process (their private state,
    read only: neither package has a public list)."""
    found = set()
    manager = sys.modules.get("milvus_lite.server_manager")
    if manager is not None:
        found |= {f"a Milvus Lite server for {path}" for path in manager.server_manager_instance._servers}
    connections = sys.modules.get("pymilvus.client.connection_manager")
    if connections is not None and connections.ConnectionManager._instance is not None:
        cm = connections.ConnectionManager._instance
        found |= {f"a pymilvus connection to {m.config.address}"
                  for m in [*cm._registry.values(), *cm._dedicated.values()]}
    return found


def leftovers(threads_before=(), milvus_before=frozenset(), wait=5.0) -> list[str]:
    """What was opened since `threads_before`/`milvus_before` and is still open: Milvus Lite servers,
    pymilvus connections, non-daemon threads (each given `wait` seconds, shared, to finish)."""
    found = sorted(open_milvus() - set(milvus_before))
    deadline = time.monotonic() + wait
    for thread in set(threading.enumerate()) - set(threads_before):
        if not thread.daemon and thread is not threading.main_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                found.append(f"a non-daemon thread {thread.name!r}")
    return found


@pytest.fixture(autouse=True)
def nothing_left_behind():
    """Fail the test that leaves a Milvus Lite server, a pymilvus connection or a new non-daemon
    thread behind (fixtures of wider scope are set up before this and torn down after it)."""
    threads, milvus = set(threading.enumerate()), open_milvus()
    yield
    left = leftovers(threads, milvus)
    if left:
        pytest.fail("this test left open: " + "; ".join(left) +
                    " (close clients and servers in a fixture's teardown: tests/conftest.py, milvus_lite)")


def pytest_sessionfinish(session):
    """After every fixture's teardown: what a module- or session-scoped fixture left behind."""
    left = leftovers()
    if left:
        print("\nthe test session left open: " + "; ".join(left), file=sys.stderr)
        session.exitstatus = 1


# Python 3.13 and 3.14 are resolved for every platform (scripts/check_pins_resolve.py), but here torch
# 2.13.0 exists for them only as PyPI's CUDA build. `COURSE_WITHOUT_TORCH=1 pytest tests` (README,
# "Tested platforms") runs everything else: a test or a test module that fails only because torch
# cannot be imported is reported as skipped, "needs torch". Without the variable nothing changes,
# so in `make test` a missing torch still fails.
WITHOUT_TORCH = os.environ.get("COURSE_WITHOUT_TORCH") == "1" and importlib.util.find_spec("torch") is None


def _needs_torch(excinfo) -> bool:
    """torch's own ModuleNotFoundError, or transformers' ImportError "... but PyTorch was not found"."""
    if excinfo is None or not excinfo.errisinstance(ImportError):
        return False
    return getattr(excinfo.value, "name", None) == "torch" or "PyTorch was not found" in str(excinfo.value)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    report = yield
    if WITHOUT_TORCH and report.failed and "No module named 'torch'" in str(report.longrepr):
        report.outcome, report.longrepr = "skipped", (str(collector.path), 0, "Skipped: needs torch")
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if WITHOUT_TORCH and report.failed and _needs_torch(call.excinfo):
        report.outcome, report.longrepr = "skipped", (str(item.path), 0, "Skipped: needs torch")
    return report
