package dev.modelport.server.placement;

import ai.djl.engine.Engine;

/** The devices a machine offers an engine. Tests simulate any number of GPUs. */
@FunctionalInterface
public interface DeviceTopology {
  /** GPUs visible to the engine; ids are 0 .. gpuCount()-1. */
  int gpuCount();

  /** A machine with {@code gpus} GPUs. */
  static DeviceTopology simulated(int gpus) {
    return () -> gpus;
  }

  /** What DJL's {@code engine} sees on this machine (0 GPUs without CUDA). */
  static DeviceTopology of(String engine) {
    return () -> Engine.getEngine(engine).getGpuCount();
  }
}
