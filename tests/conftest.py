"""Shared fixtures: the real model is loaded once per test session."""
import pytest

from helpers.course import repro


@pytest.fixture(scope="session")
def encoder():
    """The course's default TextEncoder (all-MiniLM-L6-v2, mean pooling), loaded offline."""
    repro.setup()
    from helpers.encode.embed import TextEncoder
    return TextEncoder("sentence-transformers/all-MiniLM-L6-v2")
