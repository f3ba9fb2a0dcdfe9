/**
 * The engine side: loading a model version with DJL on its planned devices ({@link
 * dev.modelport.server.runtime.VersionLoader}), the translators that turn a batch of validated
 * requests into an {@code NDList} and the outputs back into per-request host tensors, and the
 * {@link dev.modelport.server.runtime.ServedVersion} that ties a loaded model to its batcher and
 * workers. The only package that touches DJL's {@code NDManager}; per-batch native memory lives in
 * the predictor context's sub-manager and is closed when the batch ends. Depends on {@code tensor},
 * {@code batching}, {@code placement}, {@code errors}, the store library and DJL; never on gRPC.
 */
package dev.modelport.server.runtime;
