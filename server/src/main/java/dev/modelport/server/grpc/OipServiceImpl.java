package dev.modelport.server.grpc;

import static dev.modelport.server.errors.ModelportException.invalid;

import dev.modelport.oip.GRPCInferenceServiceGrpc;
import dev.modelport.oip.InferBatchStatistics;
import dev.modelport.oip.InferStatistics;
import dev.modelport.oip.ModelInferRequest;
import dev.modelport.oip.ModelInferResponse;
import dev.modelport.oip.ModelMetadataRequest;
import dev.modelport.oip.ModelMetadataResponse;
import dev.modelport.oip.ModelReadyRequest;
import dev.modelport.oip.ModelReadyResponse;
import dev.modelport.oip.ModelStatistics;
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
import dev.modelport.oip.StatisticDuration;
import dev.modelport.server.admission.Permit;
import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.metrics.ServerMetrics;
import dev.modelport.server.oip.OipCodec;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.server.tracing.Tracing;
import dev.modelport.store.Engines;
import dev.modelport.store.StoreException;
import dev.modelport.v1.ModelState;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.ModelVersionStatus;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.TensorSpec;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.context.Scope;
import java.util.List;

/**
 * {@code inference.GRPCInferenceService}, the KServe Open Inference Protocol v2 with Triton's
 * streaming, statistics and repository RPCs, on the same listeners as modelport.v1. Inference
 * requests are translated ({@link OipCodec}) and run through the same {@link Dispatcher} as
 * Predict: the same registry, validation, batcher, deadlines, admission and metrics.
 */
public final class OipServiceImpl extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  static final String SERVER_NAME = "modelport";
  static final String SERVER_VERSION = "0.1.0";

  private final ModelRegistry registry;
  private final ServerMetrics metrics;
  private final Dispatcher dispatcher;
  private final Tracing tracing;

  /** The span of one ModelStreamInfer item (child of the stream's server span). */
  static final String ITEM_SPAN = "inference.GRPCInferenceService/ModelStreamInfer item";

  public OipServiceImpl(ModelRegistry registry, ServerMetrics metrics) {
    this(registry, metrics, Tracing.OFF);
  }

  public OipServiceImpl(ModelRegistry registry, ServerMetrics metrics, Tracing tracing) {
    this(registry, metrics, tracing, true);
  }

  private OipServiceImpl(
      ModelRegistry registry, ServerMetrics metrics, Tracing tracing, boolean counted) {
    this.registry = registry;
    this.metrics = metrics; // null for the warm-up
    this.tracing = tracing;
    this.dispatcher = new Dispatcher(registry, tracing, counted);
  }

  /**
   * The service the server's warm-up calls (ModelInfer only): the same request path, but no
   * request, batch or statistics metrics and no spans.
   */
  public static OipServiceImpl uncounted(ModelRegistry registry) {
    return new OipServiceImpl(registry, null, Tracing.OFF, false);
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
    unary(out, () -> ServerLiveResponse.newBuilder().setLive(true).build(), request);
  }

  @Override
  public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
    unary(
        out,
        () ->
            ServerReadyResponse.newBuilder()
                .setReady(registry.readiness().values().stream().allMatch(Boolean::booleanValue))
                .build(),
        request);
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
    unary(
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

  @Override
  public void serverMetadata(
      ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
    unary(
        out,
        () ->
            ServerMetadataResponse.newBuilder()
                .setName(SERVER_NAME)
                .setVersion(SERVER_VERSION)
                .addAllExtensions(List.of("model_repository", "statistics", "parameters"))
                .build(),
        request);
  }

  @Override
  public void modelMetadata(
      ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
    unary(out, () -> metadata(request), request);
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

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
    long start = System.nanoTime();
    ((ServerCallStreamObserver<ModelInferResponse>) out).setOnCancelHandler(() -> {});
    dispatcher.dispatch(
        () -> prepare(request),
        (response, error) -> {
          ModelInferResponse answer = null;
          if (error == null) {
            try {
              answer = OipCodec.toInfer(response, OipCodec.typedOutput(request));
            } catch (RuntimeException e) {
              error = e;
            }
          }
          if (error != null) {
            Status s = StatusMapping.answer(error);
            record(request.getModelName(), "", s, start);
            out.onError(s.asRuntimeException());
          } else {
            record(request.getModelName(), response.getModelVersion(), Status.OK, start);
            out.onNext(answer);
            out.onCompleted();
          }
        });
  }

  /**
   * Strict parsing, then the request as modelport.v1 (raw output unless typed_output was asked).
   * The model's inputs tell text (STRING) from bytes for OIP's one BYTES datatype.
   */
  private PredictRequest prepare(ModelInferRequest request) {
    StrictRequestParsing.check(request);
    boolean bytes = false;
    for (ModelInferRequest.InferInputTensor in : request.getInputsList()) {
      bytes |= in.getDatatype().equals("BYTES");
    }
    // only BYTES needs the model's signature (the Dispatcher resolves the version anyway)
    List<TensorSpec> inputs =
        bytes
            ? registry
                .resolve(request.getModelName(), request.getModelVersion())
                .signature()
                .inputs()
            : List.of();
    return OipCodec.toPredict(request, inputs);
  }

  private void record(String model, String version, Status status, long start) {
    if (metrics == null) {
      return; // warm-up
    }
    metrics.recordRequest(model, version, status.getCode().name(), System.nanoTime() - start);
  }

  @Override
  public StreamObserver<ModelInferRequest> modelStreamInfer(
      StreamObserver<ModelStreamInferResponse> out) {
    StreamResponder<ModelStreamInferResponse> responder =
        new StreamResponder<>(
            (ServerCallStreamObserver<ModelStreamInferResponse>) out,
            InferenceServiceImpl.STREAM_WINDOW);
    return new StreamObserver<>() {
      @Override
      public void onNext(ModelInferRequest request) {
        Permit permit = AdmissionParsing.takePermit();
        long start = System.nanoTime();
        responder.accepted();
        Tracing.Item span = tracing.streamItem(ITEM_SPAN, request.getModelName(), request.getId());
        try (Scope scope = span.enter()) {
          dispatcher.dispatch(
              () -> prepare(request),
              (response, error) -> {
                try {
                  if (error == null) {
                    ModelInferResponse answer =
                        OipCodec.toInfer(response, OipCodec.typedOutput(request));
                    record(request.getModelName(), response.getModelVersion(), Status.OK, start);
                    span.end(Status.OK, response.getModelVersion());
                    responder.answer(
                        ModelStreamInferResponse.newBuilder().setInferResponse(answer).build());
                  } else {
                    failed(request, error, start, span);
                  }
                } catch (RuntimeException e) {
                  failed(request, e, start, span);
                } finally {
                  permit.close();
                }
              });
        }
      }

      /** A failed item: in-band error_message, the request's identity; the stream goes on. */
      private void failed(
          ModelInferRequest request, Throwable error, long start, Tracing.Item span) {
        Status s = StatusMapping.answer(error);
        record(request.getModelName(), "", s, start);
        span.end(s, "");
        responder.answer(
            ModelStreamInferResponse.newBuilder()
                .setErrorMessage(
                    s.getCode() + ": " + (s.getDescription() == null ? "" : s.getDescription()))
                .setInferResponse(
                    ModelInferResponse.newBuilder()
                        .setModelName(request.getModelName())
                        .setModelVersion(request.getModelVersion())
                        .setId(request.getId()))
                .build());
      }

      @Override
      public void onError(Throwable t) {
        responder.abandon();
      }

      @Override
      public void onCompleted() {
        responder.halfClose();
      }
    };
  }

  @Override
  public void modelStatistics(
      ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> out) {
    unary(out, () -> statistics(request), request);
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

  @Override
  public void repositoryIndex(
      RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> out) {
    unary(
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
  @Override
  public void repositoryModelLoad(
      RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> out) {
    unary(
        out,
        () -> {
          String name = checkName(request.getModelName());
          List<ModelStatus> after;
          try {
            after = registry.reload(name);
          } catch (StoreException e) {
            throw ModelportException.unavailable("model store: " + e.getMessage());
          }
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
  @Override
  public void repositoryModelUnload(
      RepositoryModelUnloadRequest request, StreamObserver<RepositoryModelUnloadResponse> out) {
    unary(
        out,
        () -> {
          String name = checkName(request.getModelName());
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

  private static String checkName(String name) {
    if (name.isEmpty() || name.contains("..") || name.contains("/") || name.contains("\\")) {
      throw invalid(
          "model_name: \""
              + name
              + "\" is not a model name (empty, or contains \"..\", \"/\" or \"\\\")");
    }
    return name;
  }

  private interface Body<T> {
    T get() throws Exception;
  }

  private static <T> void unary(
      StreamObserver<T> out, Body<T> body, com.google.protobuf.Message request) {
    try {
      StrictRequestParsing.check(request);
      T answer = body.get();
      out.onNext(answer);
      out.onCompleted();
    } catch (Throwable t) {
      out.onError(StatusMapping.toException(t));
    }
  }
}
