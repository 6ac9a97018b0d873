"""What the pages record and keep: recorded steps within a budget, caches bounded in bytes."""

import threading
import time

import numpy as np
import pytest

from adadelta.problems import init_mlp, mlp_sizes
from adadelta.ui import cache, compute
from adadelta.viz import curve_steps, frame_steps


def drawn(num_steps: int) -> np.ndarray:
    return np.union1d(frame_steps(num_steps, max_frames=60), curve_steps(num_steps))


def test_the_default_network_records_every_step():
    params = init_mlp(0, mlp_sizes(2, 16))
    for optimizers in (2, 5):  # Adadelta alone up to every comparison optimizer
        assert compute.recorded_steps(params, optimizers, 2000, drawn(2000)) is None


def per_step(params, optimizers: int) -> int:
    return 2 * optimizers * sum(leaf.nbytes for layer in params for leaf in layer.values())


def test_a_big_network_records_what_its_figures_draw_and_fills_the_budget():
    params = init_mlp(0, mlp_sizes(2, 32))
    steps = compute.recorded_steps(params, 5, 5000, drawn(5000))
    assert steps is not None
    assert set(drawn(5000)) <= set(steps) and steps[0] == 0 and steps[-1] == 5000
    size = steps.size * per_step(params, 5)
    assert 0.9 * compute.NETWORK_RECORD_BYTES < size <= compute.NETWORK_RECORD_BYTES


def test_the_biggest_network_records_only_what_its_figures_draw():
    params = init_mlp(0, mlp_sizes(4, 32))
    steps = compute.recorded_steps(params, 5, 5000, drawn(5000))
    np.testing.assert_array_equal(steps, drawn(5000))
    # 444 rows instead of 5,001: a twelfth of what recording every step would keep.
    assert steps.size * 11 < 5001


def test_a_store_evicts_the_least_recently_used_beyond_its_byte_budget():
    store = cache.Store("test", max_bytes=3_000)
    for key in "abc":
        store.get(key, lambda: np.zeros(100))  # 800 bytes each
    store.get("a", lambda: pytest.fail("a is cached"))
    store.get("d", lambda: np.zeros(100))  # over budget: b, the least recently used, goes
    assert "b" not in store and {"a", "c", "d"} <= set(store._entries)
    assert store.bytes <= store.max_bytes
    value = store.get("a", lambda: None)
    with pytest.raises(ValueError, match="read-only"):
        value[0] = 1.0  # shared by every session: frozen


def test_a_store_computes_a_key_once_for_sessions_asking_together():
    store = cache.Store("test", max_bytes=1 << 20)
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return np.ones(3)

    threads = [threading.Thread(target=store.get, args=("k", slow)) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and store.hits == 4
