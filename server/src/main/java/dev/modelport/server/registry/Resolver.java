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
      ServedModel model, String name, String version, Collection<String> known) {
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
      ModelConfig config = model.definition.config();
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
    ServedVersion sv = model.ready.get(v);
    if (sv != null) {
      return sv;
    }
    VersionNote note = model.notes.get(v);
    if (note != null) {
      throw ModelportException.unavailable(
          "model \""
              + name
              + "\" "
              + asked
              + " is "
              + StatusViews.stateName(note.state())
              + (note.message().isEmpty() ? "" : ": " + note.message()));
    }
    throw ModelportException.notFound(
        "model \"" + name + "\" has no " + asked + "; versions: " + model.ready.keySet());
  }

  private static String why(ServedModel model) {
    if (model.definition.problem() != null) {
      return ": " + model.definition.problem();
    }
    StringBuilder b = new StringBuilder();
    model.notes.forEach(
        (v, n) ->
            b.append(b.length() == 0 ? ": " : "; ")
                .append("version ")
                .append(v)
                .append(' ')
                .append(StatusViews.stateName(n.state()))
                .append(n.message().isEmpty() ? "" : " (" + n.message() + ")"));
    return b.toString();
  }
}
