package dev.modelport.server.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusMappingTest {
  /**
   * The contract's error table (docs/contract.md, "Errors"), written out here rather than read from
   * the mapping under test: a wrong entry in ErrorCode fails its row.
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
