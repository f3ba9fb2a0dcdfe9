package dev.modelport.server.registry;

import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.server.tensor.Signature;
import dev.modelport.v1.ModelConfig;
import dev.modelport.v1.ModelState;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.ModelVersionStatus;
import java.util.Optional;
import java.util.TreeSet;

/** Renders a {@link ServedModel} as the contract's {@link ModelStatus}. */
final class StatusViews {
  private StatusViews() {}

  static ModelStatus of(ServedModel m) {
    ModelStatus.Builder b = ModelStatus.newBuilder().setName(m.name);
    ModelConfig config = m.definition.config();
    if (m.definition.problem() != null) {
      b.setMessage(m.definition.problem());
    }
    Optional<ServedVersion> def = m.defaultVersion();
    def.ifPresent(v -> b.setDefaultVersion(Long.toString(v.version())));
    TreeSet<Long> versions = new TreeSet<>(m.ready.keySet());
    versions.addAll(m.notes.keySet());
    for (long v : versions) {
      ServedVersion sv = m.ready.get(v);
      VersionNote note = m.notes.get(v);
      ModelVersionStatus.Builder vs = ModelVersionStatus.newBuilder().setVersion(Long.toString(v));
      if (sv != null) {
        vs.setState(ModelState.MODEL_STATE_READY).addAllDevices(sv.deviceNames());
        if (note != null) {
          vs.setMessage(note.message());
        }
      } else if (note != null) {
        vs.setState(note.state()).setMessage(note.message());
      }
      b.addVersions(vs);
    }
    ModelConfig shown = def.map(ServedVersion::config).orElse(config);
    if (def.isPresent()) {
      Signature sig = def.get().signature();
      b.addAllInputs(sig.inputs()).addAllOutputs(sig.outputs()).setEngine(def.get().engine());
    } else if (shown != null) {
      b.addAllInputs(shown.getInputList())
          .addAllOutputs(shown.getOutputList())
          .setEngine(shown.getEngine());
    }
    if (shown != null) {
      b.setMaxBatchSize(shown.getMaxBatchSize());
    }
    if (config != null) {
      config.getVersionLabelsMap().forEach((k, v) -> b.putVersionLabels(k, Long.toString(v)));
    }
    return b.build();
  }

  static String stateName(ModelState s) {
    return s.name().replace("MODEL_STATE_", "");
  }
}
