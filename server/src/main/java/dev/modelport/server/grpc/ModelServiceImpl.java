package dev.modelport.server.grpc;

import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.v1.GetModelRequest;
import dev.modelport.v1.GetModelResponse;
import dev.modelport.v1.ListModelsRequest;
import dev.modelport.v1.ListModelsResponse;
import dev.modelport.v1.ModelServiceGrpc;
import dev.modelport.v1.ReloadModelRequest;
import dev.modelport.v1.ReloadModelResponse;
import io.grpc.stub.StreamObserver;

/** {@code modelport.v1.ModelService}: ListModels, GetModel, ReloadModel. */
public final class ModelServiceImpl extends ModelServiceGrpc.ModelServiceImplBase {
  private final ModelRegistry registry;

  public ModelServiceImpl(ModelRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> out) {
    ModelCalls.answer(
        out,
        () -> ListModelsResponse.newBuilder().addAllModels(registry.statuses()).build(),
        request);
  }

  @Override
  public void getModel(GetModelRequest request, StreamObserver<GetModelResponse> out) {
    ModelCalls.answer(
        out,
        () ->
            GetModelResponse.newBuilder().setModel(registry.status(request.getModelName())).build(),
        request);
  }

  /** Blocks this call (not the transport) until the reloaded versions are READY or FAILED. */
  @Override
  public void reloadModel(ReloadModelRequest request, StreamObserver<ReloadModelResponse> out) {
    ModelCalls.answer(
        out,
        () ->
            ReloadModelResponse.newBuilder()
                .addAllModels(ModelCalls.reload(registry, request.getModelName()))
                .build(),
        request);
  }
}
