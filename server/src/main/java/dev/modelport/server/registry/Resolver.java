package dev.modelport.server.registry;

import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.v1.ModelConfig;
import java.util.Collection;
import java.util.Map;
import java.util.TreeSet;

/** Turns a request's model name and version string (empty, a number or a label) into a version. */
final class Resolver {
  private Resolver() {}

  static ServedVersion resolve(
      ModelEntry model, String name, String version, Collection<String> known) {
    if (model == null) {
      throw ModelportException.notFound(
          "model \"" + name + "\" is not served; models: " + new TreeSet<>(known));
    }
    if (version.isEmpty()) {
      return model
          .defaultVersion()
          .orElseThrow(
              () ->
                  ModelportException.unavailable(
                      "model \"" + name + "\" has no READY version" + why(model)));
    }
    long v;
    String asked;
    if (version.chars().allMatch(Character::isDigit) && version.length() <= 18) {
      v = Long.parseLong(version);
      asked = "version " + version;
    } else {
      ModelConfig config = model.config();
      Map<String, Long> labels = config == null ? Map.of() : config.getVersionLabelsMap();
      Long target = labels.get(version);
      if (target == null) {
        throw ModelportException.notFound(
            "model \""
                + name
                + "\" has no version label \""
                + version
                + "\"; labels: "
                + new TreeSet<>(labels.keySet()));
      }
      v = target;
      asked = "version label \"" + version + "\" (version " + v + ")";
    }
    VersionRecord r = model.record(v);
    if (r == null) {
      throw ModelportException.notFound(
          "model \"" + name + "\" has no " + asked + "; versions: " + model.view().keySet());
    }
    if (r.state() == VersionState.READY) {
      return r.served();
    }
    throw ModelportException.unavailable(
        "model \""
            + name
            + "\" "
            + asked
            + " is "
            + r.state()
            + (r.message().isEmpty() ? "" : ": " + r.message()));
  }

  private static String why(ModelEntry model) {
    StringBuilder b = new StringBuilder();
    if (model.definition() != null && model.definition().problem() != null) {
      b.append(": ").append(model.definition().problem());
    }
    for (VersionRecord r : model.records()) {
      b.append(b.length() == 0 ? ": " : "; ")
          .append("version ")
          .append(r.version())
          .append(' ')
          .append(r.state())
          .append(r.message().isEmpty() ? "" : " (" + r.message() + ")");
    }
    return b.toString();
  }
}
