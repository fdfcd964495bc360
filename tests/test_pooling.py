"""helpers.encode.pooling on a hand-made batch: two sentences, the second padded by two tokens."""
import pytest
import torch

from helpers.encode.pooling import POOLERS, cls_pool, get_pooler, max_pool, mean_pool, naive_mean_pool

HIDDEN = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [5.0, 0.0]],
                       [[2.0, -2.0], [9.0, 9.0], [9.0, 9.0]]])  # sentence 2: tokens 2, 3 are padding
MASK = torch.tensor([[1, 1, 1], [1, 0, 0]])


def test_mean_pool_ignores_padding():
    assert torch.equal(mean_pool(HIDDEN, MASK), torch.tensor([[3.0, 2.0], [2.0, -2.0]]))


def test_naive_mean_counts_padding():
    assert torch.allclose(naive_mean_pool(HIDDEN, MASK), torch.tensor([[3.0, 2.0], [20 / 3, 16 / 3]]))


def test_cls_pool_takes_the_first_token():
    assert torch.equal(cls_pool(HIDDEN, MASK), HIDDEN[:, 0])


def test_max_pool_ignores_padding():
    assert torch.equal(max_pool(HIDDEN, MASK), torch.tensor([[5.0, 4.0], [2.0, -2.0]]))


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="attention_mask"):
        mean_pool(HIDDEN, MASK[:, :2])


def test_get_pooler_by_name_or_function():
    assert get_pooler("mean") is POOLERS["mean"]
    assert get_pooler(naive_mean_pool) is naive_mean_pool
    with pytest.raises(ValueError, match="one of"):
        get_pooler("average")


def test_pooling_refuses_numpy_arrays_with_a_fix():
    import numpy as np
    from helpers.encode.pooling import mean_pool
    with pytest.raises(TypeError, match="torch.as_tensor"):
        mean_pool(np.zeros((1, 2, 3)), np.ones((1, 2)))
