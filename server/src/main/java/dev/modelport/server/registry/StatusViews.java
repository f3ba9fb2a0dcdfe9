package dev.modelport.server.registry;

import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.server.tensor.Signature;
import dev.modelport.store.ModelDefinition;
import dev.modelport.v1.ModelConfig;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.ModelVersionStatus;
import java.util.Optional;

/** Renders a {@link ModelEntry} as the contract's {@link ModelStatus}. */
final class StatusViews {
  private StatusViews() {}

  static ModelStatus of(ModelEntry m) {
    ModelStatus.Builder b = ModelStatus.newBuilder().setName(m.name);
    ModelDefinition def = m.definition();
    if (def != null && def.problem() != null) {
      b.setMessage(def.problem());
    }
    Optional<ServedVersion> serving = m.defaultVersion();
    serving.ifPresent(v -> b.setDefaultVersion(Long.toString(v.version())));
    for (VersionRecord r : m.records()) {
      ModelVersionStatus.Builder vs =
          ModelVersionStatus.newBuilder()
              .setVersion(Long.toString(r.version()))
              .setState(r.state().toProto())
              .setMessage(r.message());
      if (r.served() != null) {
        vs.addAllDevices(r.served().deviceNames());
      }
      b.addVersions(vs);
    }
    ModelConfig config = m.config();
    ModelConfig shown = serving.map(ServedVersion::config).orElse(config);
    if (serving.isPresent()) {
      Signature sig = serving.get().signature();
      b.addAllInputs(sig.inputs()).addAllOutputs(sig.outputs()).setEngine(serving.get().engine());
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
}
