"""helpers.check, notebook 04: each check accepts the right answer and explains a wrong one."""
import numpy as np
import pytest

from helpers import check

RECALLS = {1: 0.77, 2: 0.87, 4: 0.93, 8: 0.97, 16: 0.992, 32: 1.0}


@pytest.mark.parametrize("target,want", [(0.95, 8), (0.99, 16), (0.5, 1)])
def test_smallest_nprobe_accepts_the_smallest_reaching_setting(capsys, target, want):
    assert check.smallest_nprobe(want, RECALLS, target)
    assert capsys.readouterr().out.startswith("Correct: ")


@pytest.mark.parametrize("answer,match", [(16, "a smaller nprobe does too"), (4, "below 0.95"),
                                          (3, "not in the table"), (8.0, "expected an int"),
                                          (True, "expected an int")])
def test_smallest_nprobe_rejects_wrong_answers(capsys, answer, match):
    assert not check.smallest_nprobe(answer, RECALLS, 0.95)
    out = capsys.readouterr().out
    assert out.startswith("Not yet: ") and match in out


def test_smallest_nprobe_says_when_no_setting_reaches_the_target(capsys):
    assert not check.smallest_nprobe(32, {1: 0.5, 32: 0.9}, 0.95)
    assert "no nprobe in the table reaches" in capsys.readouterr().out


def test_max_nlist_accepts_n_floor_divided_by_39(capsys):
    assert check.max_nlist(2067 // 39, 2067)
    assert "nlist <= 53" in capsys.readouterr().out
    assert check.max_nlist(np.int64(53), 2067)


@pytest.mark.parametrize("answer,match", [(54, "nlist * 39 <= 2,067"), (2067 * 39, "the rule divides"),
                                          (53.0, "expected an int"), (int(4 * 2067 ** 0.5), "nlist * 39")])
def test_max_nlist_rejects_wrong_answers(capsys, answer, match):
    assert not check.max_nlist(answer, 2067)
    assert match in capsys.readouterr().out


def test_ivf_bytes_per_vector_accepts_floats_plus_id(capsys):
    assert check.ivf_bytes_per_vector(768 * 4 + 8, 768)
    assert "3080 bytes" in capsys.readouterr().out


@pytest.mark.parametrize("answer,match", [(768 * 4, "the vector alone"), (768 * 8 + 8, "uncompressed"),
                                          ("lots", "expected one number"), ([1, 2], "expected one number")])
def test_ivf_bytes_per_vector_rejects_wrong_answers(capsys, answer, match):
    assert not check.ivf_bytes_per_vector(answer, 768)
    assert match in capsys.readouterr().out
