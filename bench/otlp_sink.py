#!/usr/bin/python3
"""An OTLP/gRPC trace receiver that accepts and drops every export: a stand-in collector for
measuring what tracing costs the server (bench/tracing.sh). Counts the bytes it received.
Usage: /usr/bin/python3 bench/otlp_sink.py PORT   (Debian's python3-grpcio; no OTLP stubs needed:
an empty ExportTraceServiceResponse is zero bytes)."""
import signal
import sys
import threading
from concurrent import futures

import grpc

received = {"calls": 0, "bytes": 0}
lock = threading.Lock()


def export(request: bytes, context) -> bytes:
    with lock:
        received["calls"] += 1
        received["bytes"] += len(request)
    return b""


def main() -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    handler = grpc.method_handlers_generic_handler(
        "opentelemetry.proto.collector.trace.v1.TraceService",
        {"Export": grpc.unary_unary_rpc_method_handler(export)},
    )
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"127.0.0.1:{sys.argv[1]}")
    server.start()
    print(f"otlp sink on {sys.argv[1]}", flush=True)

    def stop(*_):
        print(f"received {received['calls']} exports, {received['bytes']} bytes", flush=True)
        server.stop(0)

    signal.signal(signal.SIGTERM, stop)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
