#!/usr/bin/python3
"""Plots bench/soak.sh's CSV: memory (RSS, heap, NMT) and latency (p50/p99) per minute."""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

rows = list(csv.DictReader(open(sys.argv[1])))
x = [int(r["minute"]) for r in rows]
fig, (mem, lat) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
for key, label in [("rss_mib", "RSS"), ("nmt_committed_mib", "JVM NMT committed"), ("heap_used_mib", "heap used")]:
    values = [float(r[key] or "nan") for r in rows]
    if any(v > 0 for v in values):  # a column the run could not read stays all zero: leave it out
        mem.plot(x, values, marker=".", label=label)
mem.set_ylabel("MiB")
mem.set_ylim(bottom=0)
mem.legend()
mem.set_title("modelport soak: MiniLM 250/s + iris-mlp 500/s")
for key, label in [("minilm_p50_ms", "MiniLM p50"), ("minilm_p99_ms", "MiniLM p99"),
                   ("mlp_p50_ms", "iris-mlp p50"), ("mlp_p99_ms", "iris-mlp p99")]:
    lat.plot(x, [float(r[key]) for r in rows], marker=".", label=label)
lat.set_ylabel("ms")
lat.set_yscale("log")
lat.set_xlabel("minute")
lat.legend()
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
