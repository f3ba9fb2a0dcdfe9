"""Heap allocated per request from a unified GC log (-Xlog:gc): the sum, over the young pauses
after the first one, of (heap before this pause - heap after the previous one), divided by the
requests served in that span. Usage: gc_alloc.py GC_LOG REQUESTS [FIRST_PAUSE [LAST_PAUSE]]
(pause indexes count from 0; by default all pauses in the log)."""
import re
import sys

log, requests = sys.argv[1], int(sys.argv[2])
pauses = []
for line in open(log):
    m = re.search(r"Pause Young.* (\d+)M->(\d+)M", line)
    if m:
        pauses.append((int(m.group(1)), int(m.group(2))))
first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
last = int(sys.argv[4]) if len(sys.argv) > 4 else len(pauses) - 1
mib = sum(pauses[k][0] - pauses[k - 1][1] for k in range(first + 1, last + 1))
print(f"{mib} MiB over {last - first} young collections, {requests} requests: "
      f"{mib * 1048576 / requests:.0f} bytes/request")
