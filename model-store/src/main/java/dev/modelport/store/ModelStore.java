package dev.modelport.store;

import dev.modelport.v1.ModelConfig;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A model store folder:
 *
 * <pre>
 * &lt;store&gt;/&lt;model&gt;/config.pbtxt
 * &lt;store&gt;/&lt;model&gt;/&lt;version&gt;/model.onnx   (or model.pt; versions are positive integers)
 * </pre>
 *
 * <p>Reading never throws for a bad model: each problem becomes part of the returned {@link
 * ModelDefinition} so one broken folder cannot hide the others. Every path is resolved (symlinks
 * included) and must stay inside the store.
 */
public final class ModelStore {
  public static final String CONFIG_FILE = "config.pbtxt";

  private final Path root;
  // Single-model mode (KServe): the only model's name, and whether its folder holds the model
  // file itself (version 1) instead of version folders; null / false for a store.
  private final String single;
  private final boolean flat;

  private ModelStore(Path root) {
    this(root, null, false);
  }

  private ModelStore(Path root, String single, boolean flat) {
    this.root = root;
    this.single = single;
    this.flat = flat;
  }

  /**
   * {@code dir} served as the one model {@code name} (KServe's {@code /mnt/models}): either a model
   * folder (optional {@code config.pbtxt}, version folders) or a flat folder holding {@code
   * model.onnx} or {@code model.pt} itself, served as version 1. Without a config.pbtxt the engine
   * comes from the file name and an ONNX model's signature from the file. Nothing is written to
   * {@code dir}.
   */
  public static ModelStore single(String name, Path dir) throws StoreException {
    if (!isPlainName(name) || !ModelNames.isValid(name)) {
      throw new StoreException(
          "--model-name \"" + name + "\": not a valid model name: " + ModelNames.describeRule());
    }
    ModelStore store = open(dir);
    boolean flat;
    try {
      flat = versionFolders(store.root).isEmpty();
    } catch (IOException e) {
      throw new StoreException("model folder " + dir + ": cannot list (" + e + ")", e);
    }
    return new ModelStore(store.root, name, flat);
  }

  /** Opens the store at {@code dir}, which must be a readable directory. */
  public static ModelStore open(Path dir) throws StoreException {
    try {
      Path real = dir.toRealPath();
      if (!Files.isDirectory(real)) {
        throw new StoreException("model store " + dir + ": not a directory");
      }
      return new ModelStore(real);
    } catch (IOException e) {
      throw new StoreException("model store " + dir + ": cannot open (" + e + ")", e);
    }
  }

  /** The store's real path. */
  public Path root() {
    return root;
  }

  /** The model folder names, sorted; hidden entries and plain files are skipped. */
  public List<String> modelNames() throws StoreException {
    if (single != null) {
      return List.of(single);
    }
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
      for (Path p : entries) {
        String n = p.getFileName().toString();
        if (!n.startsWith(".") && Files.isDirectory(p)) {
          names.add(n);
        }
      }
    } catch (IOException e) {
      throw new StoreException("model store " + root + ": cannot list (" + e + ")", e);
    }
    names.sort(null);
    return names;
  }

  /** Reads every model folder. */
  public List<ModelDefinition> readAll() throws StoreException {
    List<ModelDefinition> out = new ArrayList<>();
    for (String name : modelNames()) {
      out.add(read(name).orElseThrow());
    }
    return out;
  }

  /**
   * Whether {@code name} is a model folder of this store (cheap: nothing is read or hashed). Names
   * that could leave the store are never resolved and are not contained.
   */
  public boolean contains(String name) {
    if (single != null) {
      return single.equals(name);
    }
    return isPlainName(name) && Files.isDirectory(root.resolve(name));
  }

  private static boolean isPlainName(String name) {
    return name != null
        && !name.isEmpty()
        && !name.equals(".")
        && !name.equals("..")
        && !name.contains("/")
        && !name.contains("\\")
        && name.indexOf('\0') < 0;
  }

  /**
   * Reads one model folder; empty when there is no such folder. A name that could leave the store
   * ({@code ..}, separators) is never resolved and reads as absent; a folder whose name breaks the
   * {@link ModelNames} rule reads as a failed model that says so. Every file of every selected
   * version is hashed ({@link ContentDigest}), so call this off the request path.
   */
  public Optional<ModelDefinition> read(String name) {
    if (!contains(name)) {
      return Optional.empty(); // absent, or could name something outside the store
    }
    Path dir = single != null ? root : root.resolve(name);
    List<Long> present = List.of();
    try {
      if (!ModelNames.isValid(name)) {
        throw new Refused(
            "folder \"" + name + "\" is not a valid model name: " + ModelNames.describeRule());
      }
      refuseEscape(dir, name);
      SortedSet<Long> folders = presentVersions(name, dir);
      present = List.copyOf(folders);
      ModelConfig config = config(name, dir);
      List<VersionEntry> versions = new ArrayList<>();
      for (long v : VersionPolicies.select(config.getVersionPolicy(), folders)) {
        versions.add(resolveVersion(name, dir, config, v, folders.contains(v)));
      }
      if (versions.isEmpty()) {
        throw new Refused(name + ": no version folders (expected e.g. " + name + "/1/)");
      }
      return Optional.of(new ModelDefinition(name, dir, config, versions, null, present));
    } catch (Refused r) {
      return Optional.of(ModelDefinition.failed(name, dir, r.getMessage(), present));
    }
  }

  /** Why a model or a version cannot be served, in the store's words (no stack: not a fault). */
  private static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  private SortedSet<Long> presentVersions(String name, Path dir) throws Refused {
    try {
      return flat ? new TreeSet<>(List.of(1L)) : versionFolders(dir);
    } catch (IOException e) {
      throw new Refused(name + ": cannot list versions: " + e);
    }
  }

  /** The model's config.pbtxt, checked and with defaults; single-model mode may have none. */
  private ModelConfig config(String name, Path dir) throws Refused {
    String where = name + "/" + CONFIG_FILE;
    Path configFile = dir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(configFile)) {
      if (single == null) {
        throw new Refused(where + ": missing; every model folder needs one");
      }
      return checked(ModelConfig.getDefaultInstance(), name, where); // everything inferred
    }
    refuseEscape(configFile, where);
    try {
      return checked(ConfigParser.parse(configFile, where), name, where);
    } catch (StoreException e) {
      throw new Refused(e.getMessage());
    }
  }

  private static ModelConfig checked(ModelConfig config, String name, String where) throws Refused {
    List<String> problems = ConfigValidator.problems(config, name);
    if (!problems.isEmpty()) {
      throw new Refused(where + ": " + String.join("; ", problems));
    }
    return ConfigValidator.withDefaults(config, name);
  }

  private VersionEntry resolveVersion(
      String name, Path dir, ModelConfig config, long v, boolean present) {
    Path vdir = flat ? dir : dir.resolve(Long.toString(v));
    String where = flat ? name : name + "/" + v;
    try {
      if (!present) {
        throw new Refused(
            where + ": listed in version_policy.specific but the folder does not exist");
      }
      refuseEscape(vdir, where);
      Path file = modelFile(config, vdir, where);
      String rel = where + "/" + vdir.relativize(file);
      refuseEscape(file, rel);
      String engine = engine(config, file, rel);
      return VersionEntry.ok(v, vdir, file, engine, fingerprint(vdir, where));
    } catch (Refused r) {
      return VersionEntry.failed(v, vdir, r.getMessage());
    }
  }

  /** The version's model file: config's model_file, or the one file an engine can load. */
  private static Path modelFile(ModelConfig config, Path vdir, String where) throws Refused {
    if (!config.getModelFile().isEmpty()) {
      Path file = vdir.resolve(config.getModelFile());
      if (!Files.isRegularFile(file)) {
        throw new Refused(
            where + "/" + config.getModelFile() + ": missing (model_file in config.pbtxt)");
      }
      return file;
    }
    List<Path> candidates;
    try (Stream<Path> files = Files.list(vdir)) {
      candidates =
          files
              .filter(Files::isRegularFile)
              .filter(p -> Engines.fromFileName(p.getFileName().toString()).isPresent())
              .sorted()
              .toList();
    } catch (IOException e) {
      throw new Refused(where + ": cannot list: " + e);
    }
    if (candidates.size() != 1) {
      throw new Refused(
          where
              + (candidates.isEmpty()
                  ? ": no model file (expected model.onnx or model.pt)"
                  : ": several model files " + fileNames(candidates))
              + "; set model_file in config.pbtxt");
    }
    return candidates.get(0);
  }

  private static String engine(ModelConfig config, Path file, String rel) throws Refused {
    if (!config.getEngine().isEmpty()) {
      return config.getEngine();
    }
    return Engines.fromFileName(file.getFileName().toString())
        .orElseThrow(
            () ->
                new Refused(
                    rel
                        + ": cannot tell the engine from the file name; set engine in"
                        + " config.pbtxt"));
  }

  private static String fingerprint(Path vdir, String where) throws Refused {
    try {
      return ContentDigest.of(vdir);
    } catch (IOException e) {
      throw new Refused(where + ": cannot read: " + e.getMessage());
    }
  }

  private void refuseEscape(Path p, String displayName) throws Refused {
    Optional<String> escape = escapes(p, displayName);
    if (escape.isPresent()) {
      throw new Refused(escape.get());
    }
  }

  /** A message when {@code p} resolves (through symlinks) to somewhere outside the store. */
  private Optional<String> escapes(Path p, String displayName) {
    try {
      if (!p.toRealPath().startsWith(root)) {
        return Optional.of(displayName + ": resolves outside the model store; refused");
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of(displayName + ": cannot resolve (" + e.getMessage() + ")");
    }
  }

  private static SortedSet<Long> versionFolders(Path dir) throws IOException {
    SortedSet<Long> out = new TreeSet<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String n = p.getFileName().toString();
        if (Files.isDirectory(p) && n.matches("[1-9][0-9]{0,17}")) {
          out.add(Long.parseLong(n));
        }
      }
    }
    return out;
  }

  private static List<String> fileNames(List<Path> paths) {
    return paths.stream().map(p -> p.getFileName().toString()).toList();
  }
}
