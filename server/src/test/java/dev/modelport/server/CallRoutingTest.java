package dev.modelport.server;

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
    assertThat(ModelportServer.onTransportThread(InferenceServiceGrpc.getPredictMethod())).isTrue();
    assertThat(ModelportServer.onTransportThread(InferenceServiceGrpc.getPredictStreamMethod()))
        .isTrue();
    assertThat(ModelportServer.onTransportThread(GRPCInferenceServiceGrpc.getModelInferMethod()))
        .isTrue();
    assertThat(
            ModelportServer.onTransportThread(GRPCInferenceServiceGrpc.getModelStreamInferMethod()))
        .isTrue();
    assertThat(ModelportServer.onTransportThread(HealthGrpc.getCheckMethod())).isTrue();
    assertThat(ModelportServer.onTransportThread(HealthGrpc.getWatchMethod())).isTrue();
  }

  @Test
  void callsThatMayBlock_goToThePool() {
    assertThat(ModelportServer.onTransportThread(ModelServiceGrpc.getReloadModelMethod()))
        .isFalse();
    assertThat(ModelportServer.onTransportThread(ModelServiceGrpc.getGetModelMethod())).isFalse();
    assertThat(
            ModelportServer.onTransportThread(
                GRPCInferenceServiceGrpc.getRepositoryModelLoadMethod()))
        .isFalse();
    assertThat(
            ModelportServer.onTransportThread(
                GRPCInferenceServiceGrpc.getRepositoryModelUnloadMethod()))
        .isFalse();
    assertThat(
            ModelportServer.onTransportThread(
                io.grpc.reflection.v1.ServerReflectionGrpc.getServerReflectionInfoMethod()))
        .isFalse();
  }
}
