"""helpers.encode.distributed: a Ray Data actor pool returns TextEncoder's vectors, in input order."""
import numpy as np
import pytest

from helpers.course.data import load_stsb
from helpers.encode.embed import TextEncoder

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    from helpers.encode.distributed import start_local_ray
    try:
        start_local_ray(num_cpus=2)
    except Exception as error:  # a raylet that cannot start in time on an overloaded machine
        ray.shutdown()
        pytest.skip(f"a local Ray could not start here: {error}")
    yield
    ray.shutdown()


def test_ray_output_equals_single_process(local_ray):
    from helpers.encode.distributed import ray_encode
    pairs = load_stsb("test")
    texts = (pairs.sentence1.tolist() + pairs.sentence2.tolist())[:300]
    # small batches, so several blocks and both actors are used and can finish out of order
    got = ray_encode(texts, {}, actors=2, batch_size=40)
    want = TextEncoder().encode(texts)
    assert got.shape == want.shape and got.dtype == np.float32
    assert np.abs(got - want).max() < 1e-5  # batches differ (other neighbours): float noise only


def test_bad_input_is_rejected():
    from helpers.encode.distributed import ray_encode, start_local_ray
    with pytest.raises(ValueError, match="num_cpus"):
        start_local_ray(num_cpus=0)
    with pytest.raises(TypeError, match="list of strings"):
        ray_encode("one string")
    with pytest.raises(ValueError, match="actors"):
        ray_encode(["a"], actors=0)


def test_no_texts_give_zero_rows_of_the_model_width_without_ray():
    """An empty corpus (a filter that kept nothing) is (0, 384), as TextEncoder.encode([]) gives, not (0, 0); no actor is started."""
    from helpers.encode.distributed import ray_encode
    got = ray_encode([])
    assert got.shape == (0, 384) and got.dtype == np.float32
