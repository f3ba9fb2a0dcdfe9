/**
 * The {@code modelport} command line: {@code list}, {@code get}, {@code predict}, {@code reload}
 * against a server, and {@code perf}, a load generator in the spirit of Triton's perf_analyzer with
 * its baselines in the same tool (DJL in process for the engine's ceiling, an empty gRPC echo
 * service for the transport's floor; see {@code perf}). Depends on the client only; the in-process
 * baseline, which needs the server's runtime, lives in the {@code perf-inprocess} module.
 */
package dev.modelport.cli;
