/**
 * The KServe Open Inference Protocol v2 ({@code inference.GRPCInferenceService}) on modelport's
 * listeners: requests are translated to {@code modelport.v1} and run through the same registry,
 * validation, batcher and metrics. See docs/kserve.md.
 */
package dev.modelport.server.oip;
