package dev.modelport.client;

import io.grpc.Status;
import java.time.Duration;
import java.util.Set;

/**
 * Which failures gRPC retries, how often and how fast (gRPC's own retry, with jittered exponential
 * backoff, applied to Predict, GetModel and ListModels; ReloadModel is never retried). Retrying is
 * safe because inference is idempotent.
 *
 * @param maxAttempts attempts per call, the first included (1 = no retries)
 * @param codes the status codes that are retried
 * @param initialBackoff the first pause
 * @param maxBackoff the longest pause
 * @param multiplier how much each pause grows
 */
public record RetryPolicy(
    int maxAttempts,
    Set<Status.Code> codes,
    Duration initialBackoff,
    Duration maxBackoff,
    double multiplier) {

  /**
   * The default: 5 attempts on UNAVAILABLE (a replica going away, a model being reloaded), 50 ms
   * backoff doubling up to 2 s. RESOURCE_EXHAUSTED (an overloaded server) is not retried by
   * default: retrying adds load where there is too much; add it with {@link #withCodes}.
   */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(
          5, Set.of(Status.Code.UNAVAILABLE), Duration.ofMillis(50), Duration.ofSeconds(2), 2.0);

  /** No retries. */
  public static final RetryPolicy NONE = DEFAULT.withMaxAttempts(1);

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts: at least 1");
    }
    codes = Set.copyOf(codes);
    if (maxAttempts > 1 && codes.isEmpty()) {
      throw new IllegalArgumentException("codes: at least one status code to retry");
    }
    if (initialBackoff.isNegative()
        || initialBackoff.isZero()
        || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "backoff: initialBackoff > 0 and maxBackoff >= initialBackoff");
    }
    if (!(multiplier >= 1.0)) {
      throw new IllegalArgumentException("multiplier: at least 1.0");
    }
  }

  public RetryPolicy withMaxAttempts(int attempts) {
    return new RetryPolicy(attempts, codes, initialBackoff, maxBackoff, multiplier);
  }

  public RetryPolicy withCodes(Status.Code... retried) {
    return new RetryPolicy(maxAttempts, Set.of(retried), initialBackoff, maxBackoff, multiplier);
  }

  public RetryPolicy withBackoff(Duration initial, Duration max, double multiplier) {
    return new RetryPolicy(maxAttempts, codes, initial, max, multiplier);
  }

  /** The service-config form gRPC reads. */
  java.util.Map<String, Object> serviceConfig() {
    return java.util.Map.of(
        "maxAttempts",
        (double) Math.max(2, maxAttempts),
        "initialBackoff",
        seconds(initialBackoff),
        "maxBackoff",
        seconds(maxBackoff),
        "backoffMultiplier",
        multiplier,
        "retryableStatusCodes",
        codes.stream().map(Status.Code::name).sorted().toList());
  }

  private static String seconds(Duration d) {
    return java.math.BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros().toPlainString() + "s";
  }
}
