/**
 * {@code modelport perf}: a load generator in the spirit of Triton's perf_analyzer. Closed-loop
 * unary callers or streams ({@code LoadLoop}, {@code StreamLoop}) over modelport.v1 or the Open
 * Inference Protocol ({@code OipCalls}), an optional fixed rate, latency histograms and a table or
 * JSON report ({@code PerfResult}), and the baselines: an empty gRPC echo service in its own
 * process for the transport's floor ({@code EchoServer}), a plain HTTP/JSON one, and (from the
 * {@code perf-inprocess} module, which adds {@code InProcess} to this package) DJL in process for
 * the engine's ceiling. Depends on the client and the generated stubs; never on server classes.
 */
package dev.modelport.cli.perf;
