/**
 * The dynamic batcher: a bounded queue per served version ({@link
 * dev.modelport.server.batching.Batcher}) and the worker threads that take batches from it and run
 * them ({@link dev.modelport.server.batching.WorkerPool}). Generic over the queued item, so it is
 * tested with fake work and knows nothing of DJL or gRPC. Depends on {@code errors} only.
 */
package dev.modelport.server.batching;
