package dev.modelport.client;

import dev.modelport.v1.GetModelRequest;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.ListModelsRequest;
import dev.modelport.v1.ModelServiceGrpc;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import dev.modelport.v1.ReloadModelRequest;
import dev.modelport.v1.Tensor;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A client for a modelport server, or for many replicas behind one name or address list.
 *
 * <pre>{@code
 * try (ModelportClient client = ModelportClient.builder().target("localhost:8500").build()) {
 *   PredictResponse r = client.predict("iris", Tensors.of("features", new float[][] {{5.1f, 3.5f, 1.4f, 0.2f}}));
 *   float[][] probabilities = Tensors.toFloatMatrix(r.getOutputs(0));
 * }
 * }</pre>
 *
 * <p>Thread-safe; share one instance. Every call gets the builder's default deadline. Calls that
 * fail with UNAVAILABLE (a replica going away, a model being reloaded) are retried by gRPC with
 * backoff; across replicas the channel balances round-robin. Failures surface as gRPC's {@link
 * StatusRuntimeException}, carrying the server's status code and message.
 */
public final class ModelportClient implements AutoCloseable {
  private final ManagedChannel channel;
  private final Duration deadline;
  private final CallCredentials credentials;
  private final boolean ownsChannel;

  ModelportClient(
      ManagedChannel channel, Duration deadline, CallCredentials credentials, boolean ownsChannel) {
    this.channel = channel;
    this.deadline = deadline;
    this.credentials = credentials;
    this.ownsChannel = ownsChannel;
  }

  public static ModelportClientBuilder builder() {
    return new ModelportClientBuilder();
  }

  /** The underlying channel, for generated stubs of your own. */
  public ManagedChannel channel() {
    return channel;
  }

  InferenceServiceGrpc.InferenceServiceStub inferenceStub() {
    InferenceServiceGrpc.InferenceServiceStub s = InferenceServiceGrpc.newStub(channel);
    return credentials == null ? s : s.withCallCredentials(credentials);
  }

  private InferenceServiceGrpc.InferenceServiceStub timedInference() {
    return inferenceStub().withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  private ModelServiceGrpc.ModelServiceStub timedModels() {
    ModelServiceGrpc.ModelServiceStub s =
        ModelServiceGrpc.newStub(channel)
            .withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
    return credentials == null ? s : s.withCallCredentials(credentials);
  }

  /** Runs {@code request} and waits for its answer. */
  public PredictResponse predict(PredictRequest request) {
    return await(predictAsync(request));
  }

  /** Runs {@code model}'s default version on {@code inputs} and waits for its answer. */
  public PredictResponse predict(String model, Tensor... inputs) {
    return predict(
        PredictRequest.newBuilder().setModelName(model).addAllInputs(List.of(inputs)).build());
  }

  /** Runs {@code request}; the future completes with the answer or a StatusRuntimeException. */
  public CompletableFuture<PredictResponse> predictAsync(PredictRequest request) {
    Unary<PredictResponse> call = new Unary<>();
    timedInference().predict(request, call);
    return call.future;
  }

  public List<ModelStatus> listModels() {
    return await(listModelsAsync());
  }

  public CompletableFuture<List<ModelStatus>> listModelsAsync() {
    Unary<dev.modelport.v1.ListModelsResponse> call = new Unary<>();
    timedModels().listModels(ListModelsRequest.getDefaultInstance(), call);
    return call.future.thenApply(dev.modelport.v1.ListModelsResponse::getModelsList);
  }

  public ModelStatus getModel(String name) {
    return await(getModelAsync(name));
  }

  public CompletableFuture<ModelStatus> getModelAsync(String name) {
    Unary<dev.modelport.v1.GetModelResponse> call = new Unary<>();
    timedModels().getModel(GetModelRequest.newBuilder().setModelName(name).build(), call);
    return call.future.thenApply(dev.modelport.v1.GetModelResponse::getModel);
  }

  /** Makes the server match its store for {@code name} (empty: every model). */
  public List<ModelStatus> reloadModel(String name) {
    return await(reloadModelAsync(name));
  }

  public CompletableFuture<List<ModelStatus>> reloadModelAsync(String name) {
    Unary<dev.modelport.v1.ReloadModelResponse> call = new Unary<>();
    timedModels().reloadModel(ReloadModelRequest.newBuilder().setModelName(name).build(), call);
    return call.future.thenApply(dev.modelport.v1.ReloadModelResponse::getModelsList);
  }

  /**
   * Opens a PredictStream session with at most {@code maxInFlight} requests outstanding: {@link
   * PredictSession#submit} blocks beyond that, so a producer of any speed runs in constant memory.
   */
  public PredictSession openSession(int maxInFlight) {
    return new PredictSession(inferenceStub(), maxInFlight);
  }

  /**
   * Streams every request of {@code requests} over one PredictStream and returns their results as
   * they are consumed: in request order when {@code ordered}, else as they complete. At most {@code
   * maxInFlight} requests are sent and not yet consumed, so millions of rows stream in constant
   * memory. Failed items come back as results with a status; the stream goes on.
   */
  public StreamResults predictAll(
      Iterator<PredictRequest> requests, int maxInFlight, boolean ordered) {
    return new StreamResults(openSession(maxInFlight), requests, maxInFlight, ordered);
  }

  @Override
  public void close() {
    if (!ownsChannel) {
      return;
    }
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      channel.shutdownNow();
    }
  }

  static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(true);
      throw io.grpc.Status.CANCELLED
          .withDescription("interrupted")
          .withCause(e)
          .asRuntimeException();
    } catch (ExecutionException | CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw io.grpc.Status.fromThrowable(e.getCause()).asRuntimeException();
    }
  }

  /** A unary call's answer as a future. */
  private static final class Unary<T> implements StreamObserver<T> {
    final CompletableFuture<T> future = new CompletableFuture<>();

    @Override
    public void onNext(T value) {
      future.complete(value);
    }

    @Override
    public void onError(Throwable t) {
      future.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {}
  }
}
