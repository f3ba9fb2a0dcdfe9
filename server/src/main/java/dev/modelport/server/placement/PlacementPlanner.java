package dev.modelport.server.placement;

import ai.djl.Device;
import dev.modelport.v1.InstanceGroup;
import java.util.ArrayList;
import java.util.List;

/**
 * Plans instances: {@code instance_group { count: 2 kind: KIND_GPU gpus: [0, 1] }} is two instances
 * on each listed GPU; KIND_GPU without gpus is every visible GPU; KIND_CPU is {@code count} CPU
 * instances; KIND_UNSPECIFIED (the default) is {@code count} on every visible GPU, or on the CPU
 * when there is none. Asking for a GPU the machine lacks is an error for that model only.
 */
public final class PlacementPlanner {
  private PlacementPlanner() {}

  /** One device per instance, in group order. {@code groups} has defaults applied (count >= 1). */
  public static List<Device> plan(List<InstanceGroup> groups, DeviceTopology topology)
      throws PlacementException {
    int gpus = topology.gpuCount();
    List<Device> out = new ArrayList<>();
    for (int g = 0; g < groups.size(); g++) {
      InstanceGroup group = groups.get(g);
      int count = Math.max(1, group.getCount());
      String where = "instance_group[" + g + "]";
      List<Device> devices = new ArrayList<>();
      switch (group.getKind()) {
        case KIND_CPU -> devices.add(Device.cpu());
        case KIND_GPU -> {
          if (gpus == 0) {
            throw new PlacementException(
                where + ": kind KIND_GPU but this machine has no GPU visible to the engine");
          }
          devices.addAll(gpuDevices(group, gpus, where));
        }
        default -> {
          if (gpus > 0) {
            devices.addAll(gpuDevices(group, gpus, where));
          } else if (group.getGpusCount() > 0) {
            throw new PlacementException(
                where + ": gpus " + group.getGpusList() + " but this machine has no GPU");
          } else {
            devices.add(Device.cpu());
          }
        }
      }
      for (Device d : devices) {
        for (int i = 0; i < count; i++) {
          out.add(d);
        }
      }
    }
    return out;
  }

  private static List<Device> gpuDevices(InstanceGroup group, int gpus, String where)
      throws PlacementException {
    List<Device> out = new ArrayList<>();
    if (group.getGpusCount() == 0) {
      for (int i = 0; i < gpus; i++) {
        out.add(Device.gpu(i));
      }
      return out;
    }
    for (int id : group.getGpusList()) {
      if (id >= gpus) {
        throw new PlacementException(
            where
                + ": GPU "
                + id
                + " is not present; this machine has "
                + gpus
                + (gpus == 1 ? " GPU (id 0)" : " GPUs (ids 0-" + (gpus - 1) + ")"));
      }
      out.add(Device.gpu(id));
    }
    return out;
  }
}
