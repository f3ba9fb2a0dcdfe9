package dev.modelport.store;

import dev.modelport.v1.ModelConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the store says about one model folder: its validated config (defaults filled in) and the
 * versions its policy selects, or the reason the whole model cannot be served (for example a
 * config.pbtxt that does not parse). A definition is a value: reading the store again gives a new
 * one, and {@code equals} tells whether anything changed.
 *
 * @param name the folder name
 * @param dir the model folder
 * @param config the config with defaults, or null when {@code problem} is set
 * @param versions the selected versions, newest last; empty when {@code problem} is set
 * @param problem why the model cannot be served, or null
 * @param presentVersions every version folder present, ascending, whatever the policy selects and
 *     even when {@code problem} is set: a server keeps serving a version the policy no longer wants
 *     until its replacement is READY, but unloads one whose folder is gone
 */
public record ModelDefinition(
    String name,
    Path dir,
    ModelConfig config,
    List<VersionEntry> versions,
    String problem,
    List<Long> presentVersions) {
  public ModelDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dir, "dir");
    versions = List.copyOf(versions);
    presentVersions = List.copyOf(presentVersions);
    if ((problem == null) == (config == null)) {
      throw new IllegalArgumentException("either a config or a problem");
    }
  }

  static ModelDefinition failed(String name, Path dir, String problem, List<Long> presentVersions) {
    return new ModelDefinition(name, dir, null, List.of(), problem, presentVersions);
  }

  /** Why the model cannot be served, if it cannot. */
  public Optional<String> problemIfAny() {
    return Optional.ofNullable(problem);
  }
}
