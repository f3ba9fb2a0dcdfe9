package dev.modelport.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.oip.GRPCInferenceServiceGrpc;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.ModelServiceGrpc;
import io.grpc.health.v1.HealthGrpc;
import org.junit.jupiter.api.Test;

/** Which calls stay on the transport thread that read them, and which go to the blocking pool. */
class CallRoutingTest {
  @Test
  void inferenceAndHealth_stayOnTheTransportThread() {
    assertThat(ServiceStack.onTransportThread(InferenceServiceGrpc.getPredictMethod())).isTrue();
    assertThat(ServiceStack.onTransportThread(InferenceServiceGrpc.getPredictStreamMethod()))
        .isTrue();
    assertThat(ServiceStack.onTransportThread(GRPCInferenceServiceGrpc.getModelInferMethod()))
        .isTrue();
    assertThat(ServiceStack.onTransportThread(GRPCInferenceServiceGrpc.getModelStreamInferMethod()))
        .isTrue();
    assertThat(ServiceStack.onTransportThread(HealthGrpc.getCheckMethod())).isTrue();
    assertThat(ServiceStack.onTransportThread(HealthGrpc.getWatchMethod())).isTrue();
  }

  @Test
  void callsThatMayBlock_goToThePool() {
    assertThat(ServiceStack.onTransportThread(ModelServiceGrpc.getReloadModelMethod())).isFalse();
    assertThat(ServiceStack.onTransportThread(ModelServiceGrpc.getGetModelMethod())).isFalse();
    assertThat(
            ServiceStack.onTransportThread(GRPCInferenceServiceGrpc.getRepositoryModelLoadMethod()))
        .isFalse();
    assertThat(
            ServiceStack.onTransportThread(
                GRPCInferenceServiceGrpc.getRepositoryModelUnloadMethod()))
        .isFalse();
    assertThat(
            ServiceStack.onTransportThread(
                io.grpc.reflection.v1.ServerReflectionGrpc.getServerReflectionInfoMethod()))
        .isFalse();
  }
}
