package dev.modelport.store;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One version the version policy selects: its folder, and either the model file and engine to load,
 * or the reason it cannot be loaded (a missing folder, no model file, two candidates).
 *
 * @param version the positive version number (the folder name)
 * @param dir the version folder (may not exist when {@code problem} says so)
 * @param modelFile the model file to load, inside {@code dir}; null when {@code problem} is set
 * @param engine the DJL engine name; null when {@code problem} is set
 * @param problem why this version cannot load, or null
 * @param fingerprint a digest of the content of every file in the version folder (model, tokenizer,
 *     extra files; see {@link ContentDigest}), so a file rewritten in place reads as a changed
 *     entry whatever its size and modification time; empty when {@code problem} is set
 */
public record VersionEntry(
    long version, Path dir, Path modelFile, String engine, String problem, String fingerprint) {
  public VersionEntry {
    Objects.requireNonNull(dir, "dir");
    if ((problem == null) == (modelFile == null || engine == null)) {
      throw new IllegalArgumentException("either a model file and engine, or a problem");
    }
  }

  static VersionEntry ok(
      long version, Path dir, Path modelFile, String engine, String fingerprint) {
    return new VersionEntry(version, dir, modelFile, engine, null, fingerprint);
  }

  static VersionEntry failed(long version, Path dir, String problem) {
    return new VersionEntry(version, dir, null, null, problem, "");
  }

  /** Why this version cannot load, if it cannot. */
  public Optional<String> problemIfAny() {
    return Optional.ofNullable(problem);
  }
}
