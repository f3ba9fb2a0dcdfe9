package dev.modelport.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The drain's call counter: up while a call runs, down once on every end, waitable. */
class CallsInFlightTest {
  static final MethodDescriptor.Marshaller<byte[]> BYTES = dev.modelport.server.RawBytes.MARSHALLER;

  static final MethodDescriptor<byte[], byte[]> HOLD =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test.Hold/Call")
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  final CallsInFlight calls = new CallsInFlight();
  final LinkedBlockingQueue<StreamObserver<byte[]>> held = new LinkedBlockingQueue<>();
  Server server;
  ManagedChannel channel;

  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    ServerServiceDefinition def =
        ServerServiceDefinition.builder("test.Hold")
            .addMethod(HOLD, ServerCalls.asyncUnaryCall((req, out) -> held.add(out)))
            .build();
    server =
        InProcessServerBuilder.forName(name)
            .addService(ServerInterceptors.intercept(def, calls))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  /** The client side of the last {@link #call}, for cancelling it. */
  io.grpc.ClientCall<byte[], byte[]> lastCall;

  private CompletableFuture<byte[]> call(CallOptions options) {
    CompletableFuture<byte[]> out = new CompletableFuture<>();
    lastCall = channel.newCall(HOLD, options);
    ClientCalls.asyncUnaryCall(
        lastCall,
        new byte[] {1},
        new StreamObserver<>() {
          @Override
          public void onNext(byte[] value) {
            out.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            out.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    return out;
  }

  private static void await(String what, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      java.util.concurrent.locks.LockSupport.parkNanos(
          100_000); // poll; a spin would take the core the awaited thread needs
    }
  }

  @Test
  void countsRunningCalls_andWaitsForThemToEnd() throws Exception {
    start();
    assertThat(calls.active()).isZero();
    assertThat(calls.awaitNone(0)).isTrue();
    CompletableFuture<byte[]> a = call(CallOptions.DEFAULT);
    CompletableFuture<byte[]> b = call(CallOptions.DEFAULT);
    StreamObserver<byte[]> first = held.poll(10, TimeUnit.SECONDS);
    StreamObserver<byte[]> second = held.poll(10, TimeUnit.SECONDS);
    assertThat(calls.active()).isEqualTo(2);
    long t0 = System.nanoTime();
    assertThat(calls.awaitNone(TimeUnit.MILLISECONDS.toNanos(50))).isFalse();
    assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
    first.onNext(new byte[] {2});
    first.onCompleted();
    // Which call the first held handler belongs to is up to scheduling: wait for either.
    CompletableFuture.anyOf(a, b).get(10, TimeUnit.SECONDS);
    await("one call counted out", () -> calls.active() == 1);
    CompletableFuture<Boolean> waiter =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return calls.awaitNone(TimeUnit.SECONDS.toNanos(30));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            },
            r -> new Thread(r).start());
    second.onNext(new byte[] {3});
    second.onCompleted();
    CompletableFuture.allOf(a, b).get(10, TimeUnit.SECONDS);
    assertThat(waiter.get(10, TimeUnit.SECONDS)).isTrue(); // woken, not timed out
    assertThat(calls.active()).isZero();
  }

  @Test
  void aCancelledCall_isCountedOutOnce() throws Exception {
    start();
    CompletableFuture<byte[]> a = call(CallOptions.DEFAULT);
    held.poll(10, TimeUnit.SECONDS);
    assertThat(calls.active()).isEqualTo(1);
    lastCall.cancel("the caller left", null); // once the server runs it
    assertThat(calls.awaitNone(TimeUnit.SECONDS.toNanos(10))).isTrue();
    assertThat(calls.active()).isZero();
    assertThatThrownBy(() -> a.get(10, TimeUnit.SECONDS)).hasMessageContaining("CANCELLED");
  }

  /**
   * A drain's quiet period: with no call in flight, the wait still lasts until no call has started
   * for the quiet time, so calls the client sent before the GOAWAY arrived are counted.
   */
  @Test
  void awaitQuiet_waitsOutTheQuietPeriodAfterTheLastStart() throws Exception {
    start();
    CompletableFuture<byte[]> a = call(CallOptions.DEFAULT);
    StreamObserver<byte[]> h = held.poll(10, TimeUnit.SECONDS);
    h.onNext(new byte[] {1});
    h.onCompleted();
    a.get(10, TimeUnit.SECONDS);
    await("counted out", () -> calls.active() == 0);
    assertThat(calls.awaitNone(0)).as("nothing in flight").isTrue();
    assertThat(calls.awaitQuiet(TimeUnit.SECONDS.toNanos(60), TimeUnit.MILLISECONDS.toNanos(20)))
        .as("a call started less than the quiet period ago")
        .isFalse();
    long t0 = System.nanoTime();
    assertThat(calls.awaitQuiet(TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.SECONDS.toNanos(30)))
        .isTrue();
    assertThat(System.nanoTime() - t0)
        .as("not before the quiet period since the last start")
        .isLessThan(TimeUnit.SECONDS.toNanos(30));
  }
}
