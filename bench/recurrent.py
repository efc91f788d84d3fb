"""Recurrent speed: nn.LSTM / nn.GRU (what unmasked layers compile to) against the generated
masked_recurrence loop and the generated KerasRNN cell on the same sizes, CPU, eager and inference.

    .venv/bin/python bench/recurrent.py   (npm run bench runs it)
"""
import os
import statistics
import time

import torch
from torch import nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
scope = {"torch": torch, "nn": nn, "F": F}
for helper in ("masked_recurrence.py", "KerasRNN.py"):
    with open(os.path.join(ROOT, "templates", "helpers", helper)) as f:
        exec(f.read(), scope)
masked_recurrence, KerasRNN = scope["masked_recurrence"], scope["KerasRNN"]

BATCH, STEPS, FEATURES, UNITS = 32, 50, 64, 128
torch.manual_seed(0)
torch.set_num_threads(1)  # one thread: steadier figures on a shared machine
x = torch.randn(BATCH, STEPS, FEATURES)
mask = torch.rand(BATCH, STEPS) > 0.2


def timed(label, fn, repeats=15):
    with torch.no_grad():
        for _ in range(3):
            fn()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    print(f"{label:<44} {median:8.2f} ms  (min {min(times):.2f}, max {max(times):.2f})")
    return median


print(f"batch {BATCH}, {STEPS} steps, {FEATURES} features, {UNITS} units, {torch.get_num_threads()} threads")
for kind, module in (("lstm", nn.LSTM(FEATURES, UNITS, batch_first=True)), ("gru", nn.GRU(FEATURES, UNITS, batch_first=True))):
    base = timed(f"nn.{kind.upper()}", lambda: module(x))
    loop = timed(f"masked_recurrence(nn.{kind.upper()})", lambda: masked_recurrence(module, x, mask))
    cell = KerasRNN(kind, FEATURES, UNITS, recurrent_activation=F.hardsigmoid)
    generated = timed(f"KerasRNN({kind!r})", lambda: cell(x))
    print(f"  ratio to nn.{kind.upper()}: masked loop {loop / base:.1f}x, KerasRNN {generated / base:.1f}x")
