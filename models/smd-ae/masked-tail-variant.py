#!/usr/bin/python3
"""Variant (c) of attribution-variants.md, not shipped: smd-ae with the last K rows of the window
replaced by z = 0 inside the graph before the autoencoder, so those rows are forecast from the
earlier ones instead of copied. Same contract as smd-ae ([batch, W, F] -> [batch, W, F]), same
training (train.py's conv-w16, seed, epochs, split); trains machine-1-2 (the validation machine)
unless MACHINES says otherwise.

  K=1 /usr/bin/python3 models/smd-ae/masked-tail-variant.py     # -> /tmp/smd-mask1 (OUT_DIR overrides)
"""
import os
import sys

import torch

K = int(os.environ.get("K", "1"))
os.environ.setdefault("OUT_DIR", f"/tmp/smd-mask{K}")
os.environ.setdefault("MACHINES", "machine-1-2")
os.environ.setdefault("EPOCHS", "60")  # as measured in attribution-variants.md
os.environ["ONLY"] = "conv-w16"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as tr  # noqa: E402


class MaskedTail(torch.nn.Module):
    def __init__(self, ae, length, k):
        super().__init__()
        self.ae, self.config = ae, {**ae.config, "maskedTailRows": k}
        mask = torch.ones(1, length, 1)
        mask[:, length - k:, :] = 0
        self.register_buffer("mask", mask)

    def forward(self, x):
        return self.ae(x * self.mask)


_build = tr.build
tr.build = lambda c: MaskedTail(_build(c), c["length"], K)
tr.OUT = os.environ["OUT_DIR"]
tr.main()
