package dev.modelport.server.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StatusMappingTest {
  @ParameterizedTest
  @EnumSource(ErrorCode.class)
  void everyDomainCode_mapsToItsGrpcCode_withTheMessage(ErrorCode code) {
    Status s = StatusMapping.toStatus(new ModelportException(code, "input \"x\": bad"));
    assertThat(s.getCode()).isEqualTo(code.grpcCode());
    assertThat(s.getDescription()).isEqualTo("input \"x\": bad");
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
