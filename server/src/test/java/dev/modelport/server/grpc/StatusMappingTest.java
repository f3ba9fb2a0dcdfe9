package dev.modelport.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.modelport.server.errors.ErrorCode;
import dev.modelport.server.errors.Failure;
import dev.modelport.server.errors.ModelportException;
import io.grpc.Status;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

class StatusMappingTest {
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger log = (Logger) LoggerFactory.getLogger(StatusMapping.class);

  @BeforeEach
  void listen() {
    logged.start();
    log.addAppender(logged);
  }

  @AfterEach
  void stopListening() {
    log.detachAppender(logged);
  }

  /**
   * The contract's error table (docs/contract.md, "Errors"), written out here rather than read from
   * the mapping under test: a wrong entry in the switch fails its row.
   */
  @ParameterizedTest
  @CsvSource({
    "NOT_FOUND, NOT_FOUND",
    "UNAVAILABLE, UNAVAILABLE",
    "INVALID_ARGUMENT, INVALID_ARGUMENT",
    "RESOURCE_EXHAUSTED, RESOURCE_EXHAUSTED",
    "DEADLINE_EXCEEDED, DEADLINE_EXCEEDED",
    "CANCELLED, CANCELLED",
    "INTERNAL, INTERNAL"
  })
  void everyDomainCode_mapsToTheContractsGrpcCode_withTheMessage(
      ErrorCode code, Status.Code expected) {
    Status s = StatusMapping.toStatus(new ModelportException(code, "input \"x\": bad"));
    assertThat(s.getCode()).isEqualTo(expected);
    assertThat(s.getDescription()).isEqualTo("input \"x\": bad");
  }

  @Test
  void theTableCoversEveryDomainCode() {
    assertThat(ErrorCode.values()).hasSize(7);
  }

  @Test
  void toStatus_isPure_andAnswer_logsOnlyUnexpectedFailures_once() {
    IllegalStateException bug = new IllegalStateException("secret engine detail");
    StatusMapping.toStatus(bug);
    StatusMapping.toStatus(new CompletionException(bug));
    assertThat(logged.list).isEmpty();

    StatusMapping.answer(ModelportException.invalid("input \"x\": bad"));
    StatusMapping.answer(Status.PERMISSION_DENIED.asRuntimeException());
    StatusMapping.toRpcStatus(new java.util.concurrent.CancellationException());
    assertThat(logged.list).isEmpty();

    Status s = StatusMapping.answer(new CompletionException(bug));
    assertThat(s.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(logged.list).hasSize(1);
    assertThat(logged.list.get(0).getThrowableProxy().getMessage())
        .isEqualTo("secret engine detail");
    StatusMapping.toException(bug);
    StatusMapping.toRpcStatus(bug);
    assertThat(logged.list).hasSize(3);
  }

  @Test
  void failure_isTheDomainsReading_withoutATransport() {
    assertThat(Failure.of(new CompletionException(ModelportException.notFound("m"))))
        .isEqualTo(new Failure(ErrorCode.NOT_FOUND, "m", false));
    assertThat(Failure.of(new java.util.concurrent.CancellationException()))
        .isEqualTo(new Failure(ErrorCode.CANCELLED, "cancelled", false));
    assertThat(Failure.of(new java.util.concurrent.RejectedExecutionException()))
        .isEqualTo(new Failure(ErrorCode.UNAVAILABLE, "server is shutting down", false));
    assertThat(Failure.of(new ArithmeticException("x")))
        .isEqualTo(
            new Failure(
                ErrorCode.INTERNAL, "internal error: ArithmeticException (see server log)", true));
  }

  @Test
  void grpcStatuses_passThrough_cancellationIsCancelled_rejectionIsUnavailable() {
    Status denied = Status.PERMISSION_DENIED.withDescription("admin only");
    assertThat(StatusMapping.toStatus(denied.asRuntimeException())).isEqualTo(denied);
    assertThat(StatusMapping.toStatus(denied.asException())).isEqualTo(denied);
    assertThat(StatusMapping.toStatus(new java.util.concurrent.CancellationException()).getCode())
        .isEqualTo(Status.Code.CANCELLED);
    Status rejected = StatusMapping.toStatus(new java.util.concurrent.RejectedExecutionException());
    assertThat(rejected.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(rejected.getDescription()).contains("shutting down");
    assertThat(StatusMapping.toException(ModelportException.invalid("input \"x\": bad")))
        .isInstanceOf(io.grpc.StatusRuntimeException.class)
        .hasMessage("INVALID_ARGUMENT: input \"x\": bad");
  }

  @Test
  void rpcStatus_withoutAMessage_hasAnEmptyOne() {
    com.google.rpc.Status s = StatusMapping.toRpcStatus(Status.CANCELLED.asRuntimeException());
    assertThat(s.getCode()).isEqualTo(Status.Code.CANCELLED.value());
    assertThat(s.getMessage()).isEmpty();
  }

  @Test
  void wrappedDomainErrors_areUnwrapped() {
    ModelportException e = ModelportException.notFound("model \"m\" is not served");
    assertThat(StatusMapping.toStatus(new CompletionException(e)).getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(StatusMapping.toStatus(new ExecutionException(new CompletionException(e))).getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void unexpectedFailures_areInternal_neverUnknown_andLeakNothing() {
    Status s = StatusMapping.toStatus(new IllegalStateException("secret engine detail"));
    assertThat(s.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(s.getDescription()).doesNotContain("secret").contains("IllegalStateException");
    assertThat(StatusMapping.toStatus(new NullPointerException()).getCode())
        .isEqualTo(Status.Code.INTERNAL);
  }

  @Test
  void rpcStatus_carriesCodeAndMessage_forStreamItems() {
    com.google.rpc.Status s =
        StatusMapping.toRpcStatus(ModelportException.invalid("input \"x\": bad"));
    assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(s.getMessage()).isEqualTo("input \"x\": bad");
  }
}
