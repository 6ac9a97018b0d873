"""The network trainer's engine run: 2-16-16-1 MLP, 512 points, 2,000 full-batch steps."""

from __future__ import annotations

import time

from adadelta import Adadelta, Adagrad, engine
from adadelta.problems import NetworkObjective, init_mlp, make_dataset, mlp_sizes


def training_seconds(repeats: int = 5) -> tuple[float, float, int]:
    """(cold seconds, warm seconds, recompiles over numeric changes) for Adadelta + Adagrad."""
    data = make_dataset("spiral", n_points=512, noise=0.1, seed=0)
    sizes = mlp_sizes(2, 16)
    objective = NetworkObjective.from_dataset(data, sizes, "tanh", None)
    params = init_mlp(0, sizes)

    def once(lr):
        optimizers = (Adadelta(learning_rate=lr, epsilon=1e-6), Adagrad(learning_rate=0.1))
        return engine.run(objective, params, optimizers, 2000)

    start = time.perf_counter()
    once(1.0)
    cold = time.perf_counter() - start
    before = engine._run_jit._cache_size()
    warm = []
    for i in range(repeats):
        start = time.perf_counter()
        once(1.0 - 0.05 * i)
        warm.append(time.perf_counter() - start)
    return cold, min(warm), engine._run_jit._cache_size() - before
