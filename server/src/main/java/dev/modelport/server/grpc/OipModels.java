package dev.modelport.server.grpc;

import dev.modelport.oip.InferBatchStatistics;
import dev.modelport.oip.InferStatistics;
import dev.modelport.oip.ModelMetadataRequest;
import dev.modelport.oip.ModelMetadataResponse;
import dev.modelport.oip.ModelReadyRequest;
import dev.modelport.oip.ModelReadyResponse;
import dev.modelport.oip.ModelStatistics;
import dev.modelport.oip.ModelStatisticsRequest;
import dev.modelport.oip.ModelStatisticsResponse;
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
import dev.modelport.oip.StatisticDuration;
import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.metrics.ServerMetrics;
import dev.modelport.server.oip.OipCodec;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.store.Engines;
import dev.modelport.v1.ModelState;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.ModelVersionStatus;
import dev.modelport.v1.TensorSpec;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;

/**
 * The non-inference half of {@code inference.GRPCInferenceService}: liveness and readiness, server
 * and model metadata, statistics and the model repository, all read from the registry (Triton's
 * common handler for the non-inference calls is the anchor). Loading shares ModelService's reload
 * path ({@link ModelCalls#reload}) and the store's name rule.
 */
final class OipModels {
  static final String SERVER_NAME = "modelport";
  static final String SERVER_VERSION = "0.1.0";

  private final ModelRegistry registry;
  private final ServerMetrics metrics;

  OipModels(ModelRegistry registry, ServerMetrics metrics) {
    this.registry = registry;
    this.metrics = metrics;
  }

  void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
    ModelCalls.answer(out, () -> ServerLiveResponse.newBuilder().setLive(true).build(), request);
  }

  void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
    ModelCalls.answer(
        out,
        () ->
            ServerReadyResponse.newBuilder()
                .setReady(registry.readiness().values().stream().allMatch(Boolean::booleanValue))
                .build(),
        request);
  }

  void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
    ModelCalls.answer(
        out,
        () -> {
          ModelStatus s = registry.status(request.getName()); // NOT_FOUND when unknown
          boolean ready =
              s.getVersionsList().stream()
                  .anyMatch(
                      v ->
                          v.getState() == ModelState.MODEL_STATE_READY
                              && (request.getVersion().isEmpty()
                                  || v.getVersion().equals(request.getVersion())));
          return ModelReadyResponse.newBuilder().setReady(ready).build();
        },
        request);
  }

  void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
    ModelCalls.answer(
        out,
        () ->
            ServerMetadataResponse.newBuilder()
                .setName(SERVER_NAME)
                .setVersion(SERVER_VERSION)
                .addAllExtensions(List.of("model_repository", "statistics", "parameters"))
                .build(),
        request);
  }

  void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
    ModelCalls.answer(out, () -> metadata(request), request);
  }

  private ModelMetadataResponse metadata(ModelMetadataRequest request) {
    ModelStatus s = registry.status(request.getName());
    List<String> versions =
        s.getVersionsList().stream()
            .filter(v -> v.getState() == ModelState.MODEL_STATE_READY)
            .map(ModelVersionStatus::getVersion)
            .toList();
    if (!request.getVersion().isEmpty() && !versions.contains(request.getVersion())) {
      throw ModelportException.notFound(
          "model \""
              + request.getName()
              + "\" has no READY version \""
              + request.getVersion()
              + "\"; READY: "
              + versions);
    }
    ModelMetadataResponse.Builder b =
        ModelMetadataResponse.newBuilder()
            .setName(s.getName())
            .addAllVersions(versions)
            .setPlatform(platform(s.getEngine()));
    boolean batches = s.getMaxBatchSize() > 0;
    for (TensorSpec t : s.getInputsList()) {
      b.addInputs(tensorMetadata(t, batches));
    }
    for (TensorSpec t : s.getOutputsList()) {
      b.addOutputs(tensorMetadata(t, batches));
    }
    b.putProperties("max_batch_size", Integer.toString(s.getMaxBatchSize()));
    b.putProperties("default_version", s.getDefaultVersion());
    return b.build();
  }

  private static ModelMetadataResponse.TensorMetadata tensorMetadata(TensorSpec t, boolean batch) {
    ModelMetadataResponse.TensorMetadata.Builder m =
        ModelMetadataResponse.TensorMetadata.newBuilder()
            .setName(t.getName())
            .setDatatype(OipCodec.datatype(t.getDtype()));
    if (batch) {
      m.addShape(-1);
    }
    return m.addAllShape(t.getShapeList()).build();
  }

  static String platform(String engine) {
    return switch (engine) {
      case Engines.ONNX_RUNTIME -> "onnxruntime_onnx";
      case Engines.PYTORCH -> "pytorch_libtorch";
      default -> engine;
    };
  }

  void modelStatistics(
      ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> out) {
    ModelCalls.answer(out, () -> statistics(request), request);
  }

  private ModelStatisticsResponse statistics(ModelStatisticsRequest request) {
    List<ModelStatus> models =
        request.getName().isEmpty()
            ? registry.statuses()
            : List.of(registry.status(request.getName()));
    ModelStatisticsResponse.Builder b = ModelStatisticsResponse.newBuilder();
    for (ModelStatus m : models) {
      long[] outcomes = metrics.outcomes(m.getName());
      for (ModelVersionStatus v : m.getVersionsList()) {
        if (v.getState() != ModelState.MODEL_STATE_READY
            || (!request.getVersion().isEmpty() && !request.getVersion().equals(v.getVersion()))) {
          continue;
        }
        ModelStatistics.Builder s =
            ModelStatistics.newBuilder().setName(m.getName()).setVersion(v.getVersion());
        InferStatistics.Builder is = InferStatistics.newBuilder();
        if (v.getVersion().equals(m.getDefaultVersion())) {
          // per model, not per version: request outcomes are counted by model
          is.setSuccess(duration(outcomes[0], outcomes[1]))
              .setFail(duration(outcomes[2], outcomes[3]));
        }
        ServerMetrics.InferStats st =
            metrics.inferStats(m.getName(), Long.parseLong(v.getVersion()));
        if (st != null) {
          s.setLastInference(st.lastInferenceMillis())
              .setInferenceCount(st.inferences())
              .setExecutionCount(st.executions());
          is.setQueue(duration(st.queueCount(), st.queueNanos()))
              .setComputeInfer(duration(st.executions(), st.computeNanos()));
          st.byBatchSize()
              .forEach(
                  (rows, c) ->
                      s.addBatchStats(
                          InferBatchStatistics.newBuilder()
                              .setBatchSize(rows)
                              .setComputeInfer(duration(c[0], c[1]))));
        }
        b.addModelStats(s.setInferenceStats(is));
      }
    }
    return b.build();
  }

  private static StatisticDuration duration(long count, long nanos) {
    return StatisticDuration.newBuilder().setCount(count).setNs(nanos).build();
  }

  void repositoryIndex(
      RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> out) {
    ModelCalls.answer(
        out,
        () -> {
          RepositoryIndexResponse.Builder b = RepositoryIndexResponse.newBuilder();
          for (ModelStatus m : registry.statuses()) {
            if (m.getVersionsCount() == 0 && !request.getReady()) {
              b.addModels(
                  RepositoryIndexResponse.ModelIndex.newBuilder()
                      .setName(m.getName())
                      .setState("UNAVAILABLE")
                      .setReason(m.getMessage()));
            }
            for (ModelVersionStatus v : m.getVersionsList()) {
              String state = tritonState(v.getState());
              if (request.getReady() && !state.equals("READY")) {
                continue;
              }
              b.addModels(
                  RepositoryIndexResponse.ModelIndex.newBuilder()
                      .setName(m.getName())
                      .setVersion(v.getVersion())
                      .setState(state)
                      .setReason(v.getMessage()));
            }
          }
          return b.build();
        },
        request);
  }

  static String tritonState(ModelState s) {
    return switch (s) {
      case MODEL_STATE_READY -> "READY";
      case MODEL_STATE_LOADING -> "LOADING";
      case MODEL_STATE_UNLOADING -> "UNLOADING";
      default -> "UNAVAILABLE";
    };
  }

  /**
   * Makes the server match its store for the model (modelport's ReloadModel): loads it if it is
   * new, reloads changed versions. Fails with the version's message when none is READY after.
   */
  void repositoryModelLoad(
      RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> out) {
    ModelCalls.answer(
        out,
        () -> {
          String name = ModelCalls.checkName(request.getModelName());
          List<ModelStatus> after = ModelCalls.reload(registry, name);
          for (ModelStatus m : after) {
            boolean ready =
                m.getVersionsList().stream()
                    .anyMatch(v -> v.getState() == ModelState.MODEL_STATE_READY);
            if (m.getName().equals(name) && !ready) {
              String why =
                  !m.getMessage().isEmpty()
                      ? m.getMessage()
                      : m.getVersionsList().stream()
                          .map(v -> "version " + v.getVersion() + ": " + v.getMessage())
                          .reduce((x, y) -> x + "; " + y)
                          .orElse("no version in the store");
              throw ModelportException.unavailable("model \"" + name + "\" did not load: " + why);
            }
          }
          return RepositoryModelLoadResponse.getDefaultInstance();
        },
        request);
  }

  /**
   * modelport serves what its store holds, so a model is unloaded by removing it from the store and
   * loading (or reloading) it: this answers FAILED_PRECONDITION saying so, and unloads nothing.
   */
  void repositoryModelUnload(
      RepositoryModelUnloadRequest request, StreamObserver<RepositoryModelUnloadResponse> out) {
    ModelCalls.answer(
        out,
        () -> {
          String name = ModelCalls.checkName(request.getModelName());
          registry.status(name); // NOT_FOUND when unknown
          throw Status.UNIMPLEMENTED
              .withDescription(
                  "model \""
                      + name
                      + "\": modelport serves what its store holds; remove the model's folder from"
                      + " the store and call RepositoryModelLoad (or ReloadModel) to unload it")
              .asRuntimeException();
        },
        request);
  }
}
