package dev.modelport.server.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.modelport.v1.InstanceGroup;
import dev.modelport.v1.InstanceGroup.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementPlannerTest {
  static InstanceGroup group(int count, Kind kind, Integer... gpus) {
    return InstanceGroup.newBuilder()
        .setCount(count)
        .setKind(kind)
        .addAllGpus(List.of(gpus))
        .build();
  }

  static List<String> plan(int gpus, InstanceGroup... groups) throws PlacementException {
    return PlacementPlanner.plan(List.of(groups), DeviceTopology.simulated(gpus)).stream()
        .map(Device::toString)
        .toList();
  }

  @Test
  void auto_usesCpuWithoutGpus_andEveryGpuWithThem() throws Exception {
    assertThat(plan(0, group(2, Kind.KIND_UNSPECIFIED))).containsExactly("cpu()", "cpu()");
    assertThat(plan(1, group(1, Kind.KIND_UNSPECIFIED))).containsExactly("gpu(0)");
    assertThat(plan(4, group(2, Kind.KIND_UNSPECIFIED)))
        .containsExactly(
            "gpu(0)", "gpu(0)", "gpu(1)", "gpu(1)", "gpu(2)", "gpu(2)", "gpu(3)", "gpu(3)");
  }

  @Test
  void cpu_staysOnCpuEvenWithGpus() throws Exception {
    assertThat(plan(4, group(3, Kind.KIND_CPU))).containsExactly("cpu()", "cpu()", "cpu()");
  }

  @Test
  void gpuList_placesCountOnEachListedGpu() throws Exception {
    assertThat(plan(4, group(2, Kind.KIND_GPU, 0, 3)))
        .containsExactly("gpu(0)", "gpu(0)", "gpu(3)", "gpu(3)");
    assertThat(plan(4, group(1, Kind.KIND_GPU)))
        .containsExactly("gpu(0)", "gpu(1)", "gpu(2)", "gpu(3)");
  }

  @Test
  void groupsAdd_up() throws Exception {
    assertThat(plan(1, group(1, Kind.KIND_GPU), group(2, Kind.KIND_CPU)))
        .containsExactly("gpu(0)", "cpu()", "cpu()");
  }

  @Test
  void missingGpu_failsClearly() {
    assertThatThrownBy(() -> plan(0, group(1, Kind.KIND_GPU)))
        .isInstanceOf(PlacementException.class)
        .hasMessage(
            "instance_group[0]: kind KIND_GPU but this machine has no GPU visible to the engine");
    assertThatThrownBy(() -> plan(1, group(1, Kind.KIND_GPU, 0, 1)))
        .hasMessage("instance_group[0]: GPU 1 is not present; this machine has 1 GPU (id 0)");
    assertThatThrownBy(() -> plan(4, group(1, Kind.KIND_CPU), group(1, Kind.KIND_GPU, 7)))
        .hasMessage("instance_group[1]: GPU 7 is not present; this machine has 4 GPUs (ids 0-3)");
  }
}
