"""helpers.course.repro.setup: fixed thread counts (2 unless $COURSE_THREADS says otherwise), clear errors."""
import faiss
import pytest
import torch

from helpers.course import repro


@pytest.fixture(autouse=True)
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)
    faiss.omp_set_num_threads(before)


def test_default_is_two_threads(monkeypatch):
    monkeypatch.delenv("COURSE_THREADS", raising=False)
    repro.setup()
    assert torch.get_num_threads() == 2


def test_course_threads_overrides_the_default(monkeypatch):
    monkeypatch.setenv("COURSE_THREADS", "1")
    repro.setup()
    assert torch.get_num_threads() == 1


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_thread_count_is_refused(bad):
    with pytest.raises(ValueError, match="positive int"):
        repro.setup(threads=bad)


def test_bad_environment_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("COURSE_THREADS", "two")
    with pytest.raises(ValueError, match="COURSE_THREADS"):
        repro.setup()


@pytest.mark.parametrize("seed", ["a", -1, 1.5, True, 2**32])
def test_bad_seeds_are_refused_with_the_range(seed):
    with pytest.raises(ValueError, match=r"seed must be an int from 0 to 2\*\*32 - 1"):
        repro.setup(seed)
