package dev.modelport.server;

import com.google.protobuf.ByteString;
import dev.modelport.oip.GRPCInferenceServiceGrpc;
import dev.modelport.oip.ModelInferRequest;
import dev.modelport.server.oip.OipCodec;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.server.tensor.DataTypes;
import dev.modelport.server.tensor.Signature;
import dev.modelport.v1.DataType;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.Tensor;
import dev.modelport.v1.TensorSpec;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up warm-up (Triton's {@code model_warmup}, done for every model): before health turns
 * SERVING, a loopback client sends every READY model synthetic requests built from its signature,
 * through a private plaintext listener on 127.0.0.1 that carries the same inference service and
 * request path (Netty, protobuf parsing, admission, validation, batcher, workers, engine,
 * encoding), so the JIT compiles that path and the engines run their first batches before real
 * traffic comes. The requests are not counted in any metric and have no spans; the listener closes
 * afterwards.
 *
 * <p>Each model gets {@link #IN_FLIGHT} requests in flight for the whole {@code duration}, half of
 * them modelport.v1 Predict and half Open Inference Protocol ModelInfer (KServe's clients); a model
 * whose synthetic request fails (an input that zeros cannot satisfy) stops warming after a warning
 * and does not hold the others back.
 */
final class Warmup {
  private static final Logger log = LoggerFactory.getLogger(Warmup.class);

  /** Requests in flight per model: enough for batches to form, as under load. */
  static final int IN_FLIGHT = 8;

  /** Past the warm-up's end, how long its last requests may take before they are abandoned. */
  private static final Duration STRAGGLERS = Duration.ofSeconds(10);

  /** What one model's warm-up did: answers over modelport.v1 and over OIP, the first failure. */
  record Outcome(long predicts, long infers, String failure) {
    long answered() {
      return predicts + infers;
    }
  }

  private Warmup() {}

  /**
   * Runs the warm-up over {@code services} (modelport.v1's InferenceService and OIP's, wrapped as
   * the listeners wrap them) for every model READY in {@code registry}, for {@code duration};
   * returns per model what happened.
   */
  static Map<String, Outcome> run(
      ModelRegistry registry, List<ServerServiceDefinition> services, Duration duration)
      throws IOException, InterruptedException {
    Map<String, Outcome> outcomes = new LinkedHashMap<>();
    Map<String, PredictRequest> requests = requests(registry, outcomes);
    if (requests.isEmpty() || duration.isZero()) {
      logFailures(outcomes);
      return outcomes;
    }
    long start = System.nanoTime();
    Secret secret = new Secret();
    Server server = privateListener(services, secret);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort()))
            .usePlaintext()
            .directExecutor() // the callbacks only start the next call
            .maxInboundMessageSize(Integer.MAX_VALUE)
            .intercept(secret.send())
            .build();
    try {
      outcomes.putAll(send(channel, requests, duration));
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
      server.awaitTermination(5, TimeUnit.SECONDS);
    }
    report(outcomes, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    return outcomes;
  }

  /** One synthetic request per READY model; a model none can be made for gets an outcome. */
  private static Map<String, PredictRequest> requests(
      ModelRegistry registry, Map<String, Outcome> outcomes) {
    Map<String, PredictRequest> requests = new LinkedHashMap<>();
    for (Map.Entry<String, Boolean> e : registry.readiness().entrySet()) {
      if (e.getValue()) {
        try {
          ServedVersion v = registry.resolve(e.getKey(), "");
          requests.put(e.getKey(), request(e.getKey(), v.signature()));
        } catch (RuntimeException notNow) { // unloaded meanwhile, or a shape too large to fill
          outcomes.put(e.getKey(), new Outcome(0, 0, "no request: " + notNow.getMessage()));
        }
      }
    }
    return requests;
  }

  /** A loopback listener for {@code services} that answers only calls carrying the secret. */
  private static Server privateListener(List<ServerServiceDefinition> services, Secret secret)
      throws IOException {
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    for (ServerServiceDefinition service : services) {
      builder.addService(ServerInterceptors.intercept(service, secret.check()));
    }
    return builder
        .directExecutor() // inference only: on the transport thread, as ServiceStack routes it
        .maxInboundMessageSize(Integer.MAX_VALUE)
        .build()
        .start();
  }

  /** Every model's rounds of Predict and ModelInfer for {@code duration}, then their outcomes. */
  private static Map<String, Outcome> send(
      ManagedChannel channel, Map<String, PredictRequest> requests, Duration duration)
      throws InterruptedException {
    // from the first request, not from before the listener started (Netty's first start can
    // take longer than a short warm-up)
    long end = System.nanoTime() + duration.toNanos();
    List<Caller> callers = new ArrayList<>();
    for (Map.Entry<String, PredictRequest> e : requests.entrySet()) {
      callers.add(
          new Caller(
              InferenceServiceGrpc.newStub(channel),
              GRPCInferenceServiceGrpc.newStub(channel),
              e.getValue(),
              infer(e.getValue()),
              end));
    }
    callers.forEach(Caller::begin);
    long giveUp = end + STRAGGLERS.toNanos();
    Map<String, Outcome> outcomes = new LinkedHashMap<>();
    for (Caller c : callers) {
      c.done.await(Math.max(0, giveUp - System.nanoTime()), TimeUnit.NANOSECONDS);
      outcomes.put(
          c.request.getModelName(), new Outcome(c.predicts.get(), c.infers.get(), c.failure.get()));
    }
    return outcomes;
  }

  private static void report(Map<String, Outcome> outcomes, long ms) {
    logFailures(outcomes);
    log.info(
        "warm-up: {} requests in {} ms ({})",
        outcomes.values().stream().mapToLong(Outcome::answered).sum(),
        ms,
        outcomes.entrySet().stream()
            .map(e -> e.getKey() + " " + e.getValue().answered())
            .reduce((a, b) -> a + ", " + b)
            .orElse(""));
  }

  private static void logFailures(Map<String, Outcome> outcomes) {
    outcomes.forEach(
        (model, o) -> {
          if (o.failure() != null) {
            log.warn("warm-up of \"{}\" stopped: {}", model, o.failure());
          }
        });
  }

  /**
   * One request of batch size 1 for {@code signature}: dimensions of any size (-1) are 1; numbers
   * are zeros (packed in {@code raw}, the clients' fast path); strings and bytes are a sentence.
   */
  static PredictRequest request(String model, Signature signature) {
    PredictRequest.Builder b = PredictRequest.newBuilder().setModelName(model);
    for (TensorSpec spec : signature.inputs()) {
      Tensor.Builder t = b.addInputsBuilder().setName(spec.getName()).setDtype(spec.getDtype());
      long count = 1;
      if (signature.batches()) {
        t.addShape(1);
      }
      for (long d : spec.getShapeList()) {
        long n = d < 0 ? 1 : d;
        t.addShape(n);
        count *= n;
      }
      DataType dtype = spec.getDtype();
      if (dtype == DataType.DATA_TYPE_STRING) {
        for (long i = 0; i < count; i++) {
          t.addStringVal(SENTENCE);
        }
      } else if (dtype == DataType.DATA_TYPE_BYTES) {
        for (long i = 0; i < count; i++) {
          t.addBytesVal(ByteString.copyFromUtf8(SENTENCE));
        }
      } else {
        t.setRaw(ByteString.copyFrom(new byte[Math.toIntExact(count * DataTypes.byteSize(dtype))]));
      }
    }
    return b.build();
  }

  /**
   * A random token only this warm-up knows: the loopback listener has no authentication of its own,
   * and for its few seconds other processes of the pod (which share the loopback interface) must
   * not use it.
   */
  static final class Secret {
    private static final Metadata.Key<String> HEADER =
        Metadata.Key.of("modelport-warmup", Metadata.ASCII_STRING_MARSHALLER);
    private final String token;

    Secret() {
      byte[] b = new byte[16];
      new SecureRandom().nextBytes(b);
      token = HexFormat.of().formatHex(b);
    }

    ClientInterceptor send() {
      Metadata extra = new Metadata();
      extra.put(HEADER, token);
      return MetadataUtils.newAttachHeadersInterceptor(extra);
    }

    ServerInterceptor check() {
      return new ServerInterceptor() {
        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
          String sent = headers.get(HEADER);
          if (sent == null
              || !MessageDigest.isEqual(
                  token.getBytes(StandardCharsets.US_ASCII),
                  sent.getBytes(StandardCharsets.US_ASCII))) {
            call.close(
                Status.UNAUTHENTICATED.withDescription("the warm-up listener is private"),
                new Metadata());
            return new ServerCall.Listener<>() {};
          }
          return next.startCall(call, headers);
        }
      };
    }
  }

  private static final String SENTENCE = "The server warms up before it takes traffic.";

  /**
   * {@code request} as an Open Inference Protocol ModelInfer request: every input in {@code
   * raw_input_contents} (strings and bytes with their 4-byte little-endian length prefixes).
   */
  static ModelInferRequest infer(PredictRequest request) {
    ModelInferRequest.Builder b =
        ModelInferRequest.newBuilder().setModelName(request.getModelName());
    for (Tensor t : request.getInputsList()) {
      b.addInputsBuilder()
          .setName(t.getName())
          .setDatatype(OipCodec.datatype(t.getDtype()))
          .addAllShape(t.getShapeList());
      b.addRawInputContents(OipCodec.rawBytes(t));
    }
    return b.build();
  }

  /**
   * Keeps {@link #IN_FLIGHT} requests of one model in flight until the end, alternating
   * modelport.v1 Predict and OIP ModelInfer.
   */
  private static final class Caller {
    final InferenceServiceGrpc.InferenceServiceStub v1;
    final GRPCInferenceServiceGrpc.GRPCInferenceServiceStub oip;
    final PredictRequest request;
    final ModelInferRequest infer;
    final long end;
    final AtomicLong predicts = new AtomicLong();
    final AtomicLong infers = new AtomicLong();
    final AtomicLong sent = new AtomicLong();
    final AtomicReference<String> failure = new AtomicReference<>();
    final CountDownLatch done = new CountDownLatch(IN_FLIGHT);

    Caller(
        InferenceServiceGrpc.InferenceServiceStub v1,
        GRPCInferenceServiceGrpc.GRPCInferenceServiceStub oip,
        PredictRequest request,
        ModelInferRequest infer,
        long end) {
      this.v1 = v1;
      this.oip = oip;
      this.request = request;
      this.infer = infer;
      this.end = end;
    }

    /**
     * The first {@link #IN_FLIGHT} requests go out whatever the time: on a loaded machine the first
     * calls of a cold JVM can take longer than a short warm-up, and every model is to be warmed at
     * least once (a 300 ms warm-up used to leave the second model with nothing).
     */
    void begin() {
      for (int i = 0; i < IN_FLIGHT; i++) {
        send();
      }
    }

    private void next() {
      if (failure.get() != null || System.nanoTime() - end >= 0) {
        done.countDown();
        return;
      }
      send();
    }

    private void send() {
      long deadline = Math.max(0, end - System.nanoTime()) + STRAGGLERS.toNanos();
      if (sent.getAndIncrement() % 2 == 0) {
        v1.withDeadlineAfter(deadline, TimeUnit.NANOSECONDS)
            .predict(request, answer(predicts, "Predict"));
      } else {
        oip.withDeadlineAfter(deadline, TimeUnit.NANOSECONDS)
            .modelInfer(infer, answer(infers, "ModelInfer"));
      }
    }

    private <T> StreamObserver<T> answer(AtomicLong counter, String method) {
      return new StreamObserver<>() {
        @Override
        public void onNext(T value) {
          counter.incrementAndGet();
        }

        @Override
        public void onError(Throwable t) {
          Status s = Status.fromThrowable(t);
          failure.compareAndSet(null, method + ": " + s.getCode() + ": " + s.getDescription());
          done.countDown();
        }

        @Override
        public void onCompleted() {
          next();
        }
      };
    }
  }
}
