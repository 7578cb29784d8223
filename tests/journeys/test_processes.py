"""Processes: fork and spawn after any use (the NumPy thread pool included), multiprocessing
pools and torch DataLoader workers apply the activations, with the parent's numbers."""

from __future__ import annotations

import importlib.util

from _journey import Journey, run
from _required import missing

# A large call first: it starts the library's thread pool, whose threads a forked child lacks.
POOLS = """
import multiprocessing as mp, os, sys
import numpy as np, activations as A

x = np.random.default_rng(0).standard_normal(2_000_000)

def calls():
    return (A.gelu(x), A.relu(x), A.silu.vjp(x, x), A.leaky_relu(x, 0.2),
            A.hardtanh.vjp(x, x, -2.0, 0.5))

parent = calls()

def child(i):
    return calls()

if __name__ == "__main__":
    with mp.get_context(sys.argv[1]).Pool(2) as pool:
        results = pool.map(child, range(4))
    for r in results:
        for got, want in zip(r, parent):
            assert got.tobytes() == want.tobytes()
    print("ok", sys.argv[1])
"""

FORK = """
import os, numpy as np, activations as A

x = np.random.default_rng(1).standard_normal(2_000_000)
rows = x.reshape(-1, 1000)
want = A.mish(x), A.softmax(rows), A.log_softmax.vjp(rows, rows, axis=0)
pid = os.fork()
if pid == 0:
    got = A.mish(x), A.softmax(rows), A.log_softmax.vjp(rows, rows, axis=0)
    ok = all(g.tobytes() == w.tobytes() for g, w in zip(got, want)) and A.relu(x).shape == x.shape
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
print("ok fork")
"""

DATALOADER = """
import numpy as np, torch, activations as A
from torch.utils.data import DataLoader, Dataset

big = np.random.default_rng(2).standard_normal(2_000_000)
A.gelu(big)  # the parent's thread pool is running when the workers fork

class Data(Dataset):
    def __len__(self):
        return 8
    def __getitem__(self, i):
        x = torch.linspace(-3, 3, 1000, dtype=torch.float64) * (i + 1)
        # a large NumPy call in the worker: it needs a thread pool of its own
        return A.gelu(x), torch.from_numpy(A.gelu(big)[:1000])

if __name__ == "__main__":
    loader = DataLoader(Data(), batch_size=2, num_workers=2)
    want = torch.from_numpy(A.gelu(big)[:1000])
    for k, (g, b) in enumerate(loader):
        for j in range(2):
            i = 2 * k + j
            x = torch.linspace(-3, 3, 1000, dtype=torch.float64) * (i + 1)
            assert torch.equal(g[j], A.gelu(x)) and torch.equal(b[j], want)
    print("ok dataloader")
"""


def test_multiprocessing_pools_fork_and_spawn() -> None:
    outcomes = run([Journey(m, POOLS, (m,), timeout=240) for m in ("fork", "spawn")])
    outcomes += run([Journey("fork", FORK, timeout=120)])
    for outcome in outcomes:
        assert "ok" in outcome.check()


def test_torch_dataloader_workers() -> None:
    if importlib.util.find_spec("torch") is None:
        missing("torch")
    for outcome in run([Journey("dataloader", DATALOADER, timeout=300)]):
        assert "ok dataloader" in outcome.check()
