/**
 * The gRPC front end: {@code modelport.v1.InferenceService} (unary and bidi-streaming predict),
 * {@code modelport.v1.ModelService} (list, get, reload) and the health reporter. A thin layer:
 * requests are turned into registry calls by {@link dev.modelport.server.grpc.Dispatcher}, and
 * every failure reaches the wire through {@link StatusMapping} (the one switch from domain codes to
 * gRPC codes). The only package besides the server's wiring that imports gRPC server classes.
 */
package dev.modelport.server.grpc;
