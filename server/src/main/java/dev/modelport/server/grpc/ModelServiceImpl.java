package dev.modelport.server.grpc;

import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.store.StoreException;
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
    try {
      StrictRequestParsing.check(request);
      out.onNext(ListModelsResponse.newBuilder().addAllModels(registry.statuses()).build());
      out.onCompleted();
    } catch (Throwable t) {
      out.onError(StatusMapping.toException(t));
    }
  }

  @Override
  public void getModel(GetModelRequest request, StreamObserver<GetModelResponse> out) {
    try {
      StrictRequestParsing.check(request);
      out.onNext(
          GetModelResponse.newBuilder().setModel(registry.status(request.getModelName())).build());
      out.onCompleted();
    } catch (Throwable t) {
      out.onError(StatusMapping.toException(t));
    }
  }

  /** Blocks this call (not the transport) until the reloaded versions are READY or FAILED. */
  @Override
  public void reloadModel(ReloadModelRequest request, StreamObserver<ReloadModelResponse> out) {
    try {
      StrictRequestParsing.check(request);
      ReloadModelResponse.Builder b = ReloadModelResponse.newBuilder();
      try {
        b.addAllModels(registry.reload(request.getModelName()));
      } catch (StoreException e) {
        throw ModelportException.unavailable("model store: " + e.getMessage());
      }
      out.onNext(b.build());
      out.onCompleted();
    } catch (Throwable t) {
      out.onError(StatusMapping.toException(t));
    }
  }
}
