package dev.modelport.server.grpc;

import dev.modelport.oip.GRPCInferenceServiceGrpc;
import dev.modelport.oip.ModelInferRequest;
import dev.modelport.oip.ModelInferResponse;
import dev.modelport.oip.ModelMetadataRequest;
import dev.modelport.oip.ModelMetadataResponse;
import dev.modelport.oip.ModelReadyRequest;
import dev.modelport.oip.ModelReadyResponse;
import dev.modelport.oip.ModelStatisticsRequest;
import dev.modelport.oip.ModelStatisticsResponse;
import dev.modelport.oip.ModelStreamInferResponse;
import dev.modelport.oip.RepositoryIndexRequest;
import dev.modelport.oip.RepositoryIndexResponse;
import dev.modelport.oip.RepositoryModelLoadRequest;
import dev.modelport.oip.RepositoryModelLoadResponse;
import dev.modelport.oip.RepositoryModelUnloadRequest;
import dev.modelport.oip.RepositoryModelUnloadResponse;
import dev.modelport.oip.ServerLiveRequest;
import dev.modelport.oip.ServerLiveResponse;
import dev.modelport.oip.ServerMetadataRequest;
import dev.modelport.oip.ServerMetadataResponse;
import dev.modelport.oip.ServerReadyRequest;
import dev.modelport.oip.ServerReadyResponse;
import dev.modelport.server.metrics.ServerMetrics;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.server.tracing.Tracing;
import io.grpc.stub.StreamObserver;

/**
 * {@code inference.GRPCInferenceService}, the KServe Open Inference Protocol v2 with Triton's
 * streaming, statistics and repository RPCs, on the same listeners as modelport.v1. A thin service:
 * inference calls go to {@link OipInference} (Predict's path), the others to {@link OipModels}.
 */
public final class OipServiceImpl extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  private final OipInference inference;
  private final OipModels models;

  public OipServiceImpl(ModelRegistry registry, ServerMetrics metrics) {
    this(registry, metrics, Tracing.OFF);
  }

  public OipServiceImpl(ModelRegistry registry, ServerMetrics metrics, Tracing tracing) {
    this.inference = new OipInference(registry, metrics, tracing);
    this.models = new OipModels(registry, metrics);
  }

  /**
   * The service the server's warm-up calls (ModelInfer only): the same request path, but no
   * request, batch or statistics metrics and no spans.
   */
  public static OipServiceImpl uncounted(ModelRegistry registry) {
    return new OipServiceImpl(registry, null, Tracing.OFF);
  }

  // Each override below only routes its RPC to one of the two parts: they look alike because the
  // generated base class declares every method alike, not because logic repeats.

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
    inference.modelInfer(request, out);
  }

  @Override
  public StreamObserver<ModelInferRequest> modelStreamInfer(
      StreamObserver<ModelStreamInferResponse> out) {
    return inference.modelStreamInfer(out);
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
    models.serverLive(request, out);
  }

  @Override
  public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
    models.serverReady(request, out);
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
    models.modelReady(request, out);
  }

  @Override
  public void serverMetadata(
      ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
    models.serverMetadata(request, out);
  }

  @Override
  public void modelMetadata(
      ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
    models.modelMetadata(request, out);
  }

  @Override
  public void modelStatistics(
      ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> out) {
    models.modelStatistics(request, out);
  }

  @Override
  public void repositoryIndex(
      RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> out) {
    models.repositoryIndex(request, out);
  }

  @Override
  public void repositoryModelLoad(
      RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> out) {
    models.repositoryModelLoad(request, out);
  }

  @Override
  public void repositoryModelUnload(
      RepositoryModelUnloadRequest request, StreamObserver<RepositoryModelUnloadResponse> out) {
    models.repositoryModelUnload(request, out);
  }
}
