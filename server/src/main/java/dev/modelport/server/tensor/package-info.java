/**
 * Tensors on the host side of the engine: decoding {@code modelport.v1.Tensor} (typed fields or
 * little-endian {@code raw}) into {@link dev.modelport.server.tensor.HostTensor}, validating a
 * request against a model's {@link dev.modelport.server.tensor.Signature}, and encoding outputs
 * back. Everything here is pure Java on heap buffers: no DJL, no native memory, so a bad request
 * costs a validation and nothing else. Depends on the generated messages and {@code errors}.
 */
package dev.modelport.server.tensor;
