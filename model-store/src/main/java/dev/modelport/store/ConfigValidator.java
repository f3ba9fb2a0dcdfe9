package dev.modelport.store;

import dev.modelport.v1.DataType;
import dev.modelport.v1.DynamicBatching;
import dev.modelport.v1.InstanceGroup;
import dev.modelport.v1.ModelConfig;
import dev.modelport.v1.TensorSpec;
import dev.modelport.v1.VersionPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a parsed {@link ModelConfig} for what the text format cannot: values in range, names
 * unique, fields that only make sense together. Each problem names the field, the value and what
 * was expected. {@link #withDefaults} then fills in the documented defaults.
 */
public final class ConfigValidator {
  /** Default {@code dynamic_batching.max_queue_size} (requests, not rows). */
  public static final int DEFAULT_MAX_QUEUE_SIZE = 1024;

  private ConfigValidator() {}

  /** Every problem found, empty when the config is valid for the model folder {@code folder}. */
  public static List<String> problems(ModelConfig config, String folder) {
    List<String> out = new ArrayList<>();
    if (!config.getName().isEmpty() && !config.getName().equals(folder)) {
      out.add("name: \"" + config.getName() + "\" must equal the folder name \"" + folder + "\"");
    }
    if (!config.getEngine().isEmpty() && !Engines.ALL.contains(config.getEngine())) {
      out.add("engine: \"" + config.getEngine() + "\" is not one of " + Engines.ALL);
    }
    if (!config.getModelFile().isEmpty() && !isPlainRelative(config.getModelFile())) {
      out.add(
          "model_file: \""
              + config.getModelFile()
              + "\" must be a relative path inside the version folder");
    }
    if (config.getMaxBatchSize() < 0) {
      out.add("max_batch_size: " + config.getMaxBatchSize() + " is negative; expected 0 or more");
    }
    checkSpecs("input", config.getInputList(), out);
    checkSpecs("output", config.getOutputList(), out);
    if (config.hasDynamicBatching()) {
      checkBatching(config.getDynamicBatching(), config.getMaxBatchSize(), out);
    }
    for (int i = 0; i < config.getInstanceGroupCount(); i++) {
      checkInstanceGroup(config.getInstanceGroup(i), "instance_group[" + i + "]", out);
    }
    checkPolicy(config.getVersionPolicy(), out);
    for (Map.Entry<String, Long> label : config.getVersionLabelsMap().entrySet()) {
      if (label.getKey().isEmpty() || label.getKey().chars().allMatch(Character::isDigit)) {
        out.add(
            "version_labels: key \""
                + label.getKey()
                + "\" must be a non-empty name that is not a number");
      }
      if (label.getValue() <= 0) {
        out.add(
            "version_labels[\""
                + label.getKey()
                + "\"]: "
                + label.getValue()
                + " is not a version; expected a positive integer");
      }
    }
    return out;
  }

  /** {@code config} with the documented defaults filled in; call after {@link #problems}. */
  public static ModelConfig withDefaults(ModelConfig config, String folder) {
    ModelConfig.Builder b = config.toBuilder().setName(folder);
    DynamicBatching.Builder db = b.getDynamicBatchingBuilder();
    if (db.getMaxQueueSize() == 0) {
      db.setMaxQueueSize(DEFAULT_MAX_QUEUE_SIZE);
    }
    if (b.getInstanceGroupCount() == 0) {
      b.addInstanceGroup(InstanceGroup.newBuilder().setCount(1));
    }
    for (InstanceGroup.Builder g : b.getInstanceGroupBuilderList()) {
      if (g.getCount() == 0) {
        g.setCount(1);
      }
    }
    if (b.getTranslator().getName().isEmpty()) {
      b.getTranslatorBuilder().setName("tensor");
    }
    if (b.getVersionPolicy().getPolicyChoiceCase()
        == VersionPolicy.PolicyChoiceCase.POLICYCHOICE_NOT_SET) {
      b.getVersionPolicyBuilder().getLatestBuilder().setNumVersions(1);
    } else if (b.getVersionPolicy().hasLatest()
        && b.getVersionPolicy().getLatest().getNumVersions() == 0) {
      b.getVersionPolicyBuilder().getLatestBuilder().setNumVersions(1);
    }
    return b.build();
  }

  private static boolean isPlainRelative(String file) {
    Path p = Path.of(file);
    return !p.isAbsolute() && p.normalize().equals(p) && !p.startsWith("..") && !file.isBlank();
  }

  private static void checkSpecs(String field, List<TensorSpec> specs, List<String> out) {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < specs.size(); i++) {
      TensorSpec s = specs.get(i);
      String where = field + "[" + i + "]";
      if (s.getName().isEmpty()) {
        out.add(where + ".name: empty; every " + field + " needs a name");
      } else if (!names.add(s.getName())) {
        out.add(where + ".name: \"" + s.getName() + "\" appears twice");
      }
      if (s.getDtype() == DataType.DATA_TYPE_UNSPECIFIED) {
        out.add(where + " \"" + s.getName() + "\": dtype is missing");
      }
      for (long d : s.getShapeList()) {
        if (d < -1 || d == 0) {
          out.add(
              where
                  + " \""
                  + s.getName()
                  + "\": shape "
                  + s.getShapeList()
                  + " has dimension "
                  + d
                  + "; expected a positive size or -1 (any)");
          break;
        }
      }
    }
  }

  private static void checkBatching(DynamicBatching db, int maxBatchSize, List<String> out) {
    if (db.getMaxQueueDelayMicros() < 0) {
      out.add(
          "dynamic_batching.max_queue_delay_micros: "
              + db.getMaxQueueDelayMicros()
              + " is negative");
    }
    if (db.getMaxQueueSize() < 0) {
      out.add("dynamic_batching.max_queue_size: " + db.getMaxQueueSize() + " is negative");
    }
    for (int p : db.getPreferredBatchSizeList()) {
      if (p <= 0 || maxBatchSize <= 0 || p > maxBatchSize) {
        out.add(
            "dynamic_batching.preferred_batch_size: "
                + p
                + " must be between 1 and max_batch_size ("
                + maxBatchSize
                + ")");
      }
    }
  }

  private static void checkInstanceGroup(InstanceGroup g, String where, List<String> out) {
    if (g.getCount() < 0) {
      out.add(where + ".count: " + g.getCount() + " is negative");
    }
    if (g.getKind() == InstanceGroup.Kind.UNRECOGNIZED) {
      out.add(where + ".kind: unknown value");
    }
    if (g.getKind() == InstanceGroup.Kind.KIND_CPU && g.getGpusCount() > 0) {
      out.add(where + ".gpus: " + g.getGpusList() + " given with kind KIND_CPU");
    }
    for (int gpu : g.getGpusList()) {
      if (gpu < 0) {
        out.add(where + ".gpus: " + gpu + " is not a GPU id; expected 0 or more");
      }
    }
  }

  private static void checkPolicy(VersionPolicy p, List<String> out) {
    if (p.hasLatest() && p.getLatest().getNumVersions() < 0) {
      out.add(
          "version_policy.latest.num_versions: " + p.getLatest().getNumVersions() + " is negative");
    }
    if (p.hasSpecific()) {
      if (p.getSpecific().getVersionsCount() == 0) {
        out.add("version_policy.specific.versions: empty; list at least one version");
      }
      for (long v : p.getSpecific().getVersionsList()) {
        if (v <= 0) {
          out.add("version_policy.specific.versions: " + v + " is not a positive integer");
        }
      }
    }
  }
}
