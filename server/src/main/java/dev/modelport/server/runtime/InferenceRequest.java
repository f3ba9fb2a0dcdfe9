package dev.modelport.server.runtime;

import dev.modelport.server.batching.BatchItem;
import dev.modelport.server.errors.ErrorCode;
import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.tensor.HostTensor;
import dev.modelport.server.tensor.ValidatedRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * One queued inference request: its validated inputs, its deadline and cancellation signal (from
 * the transport, as plain Java so this package stays free of gRPC), and the future its outputs
 * complete.
 */
public final class InferenceRequest implements BatchItem {
  /** No deadline. */
  public static final long NO_DEADLINE = Long.MAX_VALUE;

  private final ValidatedRequest request;
  private final long deadlineNanos; // System.nanoTime() based, or NO_DEADLINE
  private final BooleanSupplier cancelled;
  private final Object batchKey;
  private final CompletableFuture<List<HostTensor>> result = new CompletableFuture<>();
  private final long createdNanos = System.nanoTime();
  private final RequestTrace trace;
  private final boolean counted;

  public InferenceRequest(ValidatedRequest request, long deadlineNanos, BooleanSupplier cancelled) {
    this(request, deadlineNanos, cancelled, RequestTrace.NONE);
  }

  public InferenceRequest(
      ValidatedRequest request, long deadlineNanos, BooleanSupplier cancelled, RequestTrace trace) {
    this(request, deadlineNanos, cancelled, trace, true);
  }

  /** As above; {@code counted} false for a warm-up request (see {@link BatchItem#counted()}). */
  public InferenceRequest(
      ValidatedRequest request,
      long deadlineNanos,
      BooleanSupplier cancelled,
      RequestTrace trace,
      boolean counted) {
    this.counted = counted;
    this.request = request;
    this.deadlineNanos = deadlineNanos;
    this.cancelled = cancelled;
    this.trace = trace;
    this.batchKey = nonBatchDims(request);
  }

  public ValidatedRequest request() {
    return request;
  }

  /** Completes with the requested outputs (in signature order) or a {@link ModelportException}. */
  public CompletableFuture<List<HostTensor>> result() {
    return result;
  }

  @Override
  public int rows() {
    return request.rows();
  }

  @Override
  public long createdNanos() {
    return createdNanos;
  }

  @Override
  public boolean counted() {
    return counted;
  }

  @Override
  public Object batchKey() {
    return batchKey;
  }

  @Override
  public ModelportException dropReason() {
    if (cancelled.getAsBoolean()) {
      return new ModelportException(ErrorCode.CANCELLED, "the call was cancelled before it ran");
    }
    if (deadlineNanos != NO_DEADLINE && System.nanoTime() - deadlineNanos >= 0) {
      return new ModelportException(
          ErrorCode.DEADLINE_EXCEEDED,
          "deadline passed while queued; the request was not computed");
    }
    return null;
  }

  @Override
  public boolean isDone() {
    return result.isDone();
  }

  @Override
  public void fail(Throwable error) {
    if (!result.isDone()) {
      trace.finished(error); // before the answer goes out, which ends the caller's span
    }
    result.completeExceptionally(error);
  }

  /** This request's batch is about to run ({@code requests} of them, {@code rows} rows). */
  void batchStarted(int requests, int rows, String device) {
    trace.batchStarted(requests, rows, device);
  }

  void complete(List<HostTensor> outputs) {
    trace.finished(null);
    result.complete(outputs);
  }

  /**
   * Dimensions after the batch one, per input: requests that differ cannot be concatenated. One
   * flat array (each input's rank, then its dimensions) keeps the key to two objects per request.
   */
  private static Object nonBatchDims(ValidatedRequest r) {
    int n = 0;
    for (HostTensor t : r.inputs()) {
      n += Math.max(1, t.rank()); // the rank, then dimensions 1..rank-1
    }
    long[] flat = new long[n];
    int at = 0;
    for (HostTensor t : r.inputs()) {
      flat[at++] = t.rank();
      for (int i = 1; i < t.rank(); i++) {
        flat[at++] = t.dim(i);
      }
    }
    return new DimsKey(flat);
  }

  /** Equal when the arrays are. */
  private record DimsKey(long[] flat) {
    @Override
    public boolean equals(Object o) {
      return o instanceof DimsKey k && java.util.Arrays.equals(k.flat, flat);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(flat);
    }

    @Override
    public String toString() {
      return java.util.Arrays.toString(flat);
    }
  }
}
