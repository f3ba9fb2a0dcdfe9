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
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
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
  private final Duration streamDeadline; // null: streams run until closed
  private final CallCredentials credentials;
  private final boolean ownsChannel;
  private final PredictOptions options;

  ModelportClient(
      ManagedChannel channel, Duration deadline, CallCredentials credentials, boolean ownsChannel) {
    this(channel, deadline, null, credentials, ownsChannel, PredictOptions.DEFAULTS);
  }

  private ModelportClient(
      ManagedChannel channel,
      Duration deadline,
      Duration streamDeadline,
      CallCredentials credentials,
      boolean ownsChannel,
      PredictOptions options) {
    this.channel = channel;
    this.deadline = deadline;
    this.streamDeadline = streamDeadline;
    this.credentials = credentials;
    this.ownsChannel = ownsChannel;
    this.options = options;
  }

  public static ModelportClientBuilder builder() {
    return new ModelportClientBuilder();
  }

  /**
   * A client on the same channel whose unary calls get {@code deadline} instead. Cheap; closing it
   * does nothing (close the original).
   */
  public ModelportClient withDeadline(Duration deadline) {
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline: must be positive, got " + deadline);
    }
    return new ModelportClient(channel, deadline, streamDeadline, credentials, false, options);
  }

  /**
   * A client on the same channel whose streams ({@link #openSession}, {@link #predictAll}) must end
   * within {@code deadline}; by default a stream runs until it is closed.
   */
  public ModelportClient withStreamDeadline(Duration deadline) {
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline: must be positive, got " + deadline);
    }
    return new ModelportClient(channel, this.deadline, deadline, credentials, false, options);
  }

  /**
   * A client on the same channel that applies {@code options} (version, parameters, outputs, raw
   * output) to every request it sends, where the request leaves the field unset.
   */
  public ModelportClient withOptions(PredictOptions options) {
    return new ModelportClient(
        channel,
        deadline,
        streamDeadline,
        credentials,
        false,
        java.util.Objects.requireNonNull(options, "options"));
  }

  /** The deadline of unary calls. */
  public Duration deadline() {
    return deadline;
  }

  /** The options applied to every request. */
  public PredictOptions options() {
    return options;
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

  /**
   * Runs {@code request}; the future completes with the answer or a StatusRuntimeException.
   * Cancelling the future cancels the call: the server drops the request if it has not run yet.
   */
  public CompletableFuture<PredictResponse> predictAsync(PredictRequest request) {
    Unary<PredictResponse> call = new Unary<>();
    timedInference().predict(options.applyTo(request), call);
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
   * Its {@code close()} waits for the answers at most this client's {@link #deadline()}.
   */
  public PredictSession openSession(int maxInFlight) {
    InferenceServiceGrpc.InferenceServiceStub stub = inferenceStub();
    if (streamDeadline != null) {
      stub = stub.withDeadlineAfter(streamDeadline.toNanos(), TimeUnit.NANOSECONDS);
    }
    return new PredictSession(stub, maxInFlight, options, deadline);
  }

  /** Streams {@link #predictAll(Iterator, int, boolean, int)} opens by default. */
  public static final int DEFAULT_STREAMS = 4;

  /** {@link #predictAll(Iterator, int, boolean, int)} over {@link #DEFAULT_STREAMS} streams. */
  public StreamResults predictAll(
      Iterator<PredictRequest> requests, int maxInFlight, boolean ordered) {
    return predictAll(requests, maxInFlight, ordered, DEFAULT_STREAMS);
  }

  /**
   * Streams every request of {@code requests} and returns their results as they are consumed: in
   * request order when {@code ordered}, else as they complete. Requests go round robin over {@code
   * streams} PredictStreams, which the channel spreads over the replicas; when a replica goes away
   * mid-stream, its unanswered requests are sent again on another (see {@link StreamResults}). At
   * most {@code maxInFlight} requests are sent and not yet consumed, so millions of rows stream in
   * constant memory. Items the server failed come back as results with a status; the rest go on.
   */
  public StreamResults predictAll(
      Iterator<PredictRequest> requests, int maxInFlight, boolean ordered, int streams) {
    return new StreamResults(
        () -> openSession(maxInFlight), streams, requests, maxInFlight, ordered);
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

  /**
   * Waits for {@code f}. A failure is rethrown as a new {@link StatusRuntimeException} created
   * here, so its stack trace shows the caller's frames (the gRPC thread's exception is its cause),
   * with the same status and trailers.
   */
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
    } catch (java.util.concurrent.CancellationException e) {
      throw io.grpc.Status.CANCELLED
          .withDescription("cancelled by the caller")
          .withCause(e)
          .asRuntimeException();
    } catch (ExecutionException | CompletionException e) {
      Throwable cause = e.getCause();
      io.grpc.Status status = io.grpc.Status.fromThrowable(cause);
      if (status.getCode() == io.grpc.Status.Code.UNKNOWN
          && !(cause instanceof StatusRuntimeException)
          && !(cause instanceof io.grpc.StatusException)
          && cause instanceof RuntimeException re) {
        throw re; // not a gRPC failure (e.g. a bug in a callback): as it was
      }
      throw new StatusRuntimeException(
          status.withCause(cause), io.grpc.Status.trailersFromThrowable(cause));
    }
  }

  /**
   * A unary call's answer as a future; cancelling the future cancels the call (grpc-java's own
   * future stub does the same).
   */
  private static final class Unary<T> implements ClientResponseObserver<Object, T> {
    final CompletableFuture<T> future =
        new CompletableFuture<>() {
          @Override
          public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            ClientCallStreamObserver<Object> c = call;
            if (cancelled && c != null) {
              c.cancel("the caller cancelled the future", null);
            }
            return cancelled;
          }
        };
    private volatile ClientCallStreamObserver<Object> call;

    @Override
    public void beforeStart(ClientCallStreamObserver<Object> requestStream) {
      this.call = requestStream;
    }

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
