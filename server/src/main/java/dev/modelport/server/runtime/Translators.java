package dev.modelport.server.runtime;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.repository.zoo.ZooModel;
import dev.modelport.server.tensor.Signature;
import dev.modelport.store.Engines;
import dev.modelport.store.VersionEntry;
import dev.modelport.v1.ModelConfig;
import dev.modelport.v1.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds a version's {@link BatchTranslator} from its config's {@code translator} block. */
final class Translators {
  static final String TENSOR = "tensor";
  static final String TEXT_EMBEDDING = "text_embedding";
  private static final Set<String> TEXT_OPTIONS =
      Set.of("max_length", "max_text_bytes", "tokenizer");

  private Translators() {}

  static BatchTranslator create(ModelConfig config, VersionEntry version, ZooModel<?, ?> model)
      throws LoadException {
    String name = config.getTranslator().getName();
    Map<String, String> options = config.getTranslator().getOptionsMap();
    boolean ort = Engines.ONNX_RUNTIME.equals(version.engine());
    try {
      switch (name) {
        case TENSOR:
          if (!options.isEmpty()) {
            throw new LoadException(
                "translator.options: " + options.keySet() + " not understood by \"tensor\"");
          }
          return new TensorTranslator(tensorSignature(config, version), ort);
        case TEXT_EMBEDDING:
          return textEmbedding(config, version, model, options, ort);
        default:
          throw new LoadException(
              "translator.name: \"" + name + "\" is not one of [tensor, text_embedding]");
      }
    } catch (IllegalArgumentException e) {
      throw new LoadException(e.getMessage(), e);
    }
  }

  private static Signature tensorSignature(ModelConfig config, VersionEntry version)
      throws LoadException {
    List<TensorSpec> inputs = config.getInputList();
    List<TensorSpec> outputs = config.getOutputList();
    boolean batches = config.getMaxBatchSize() > 0;
    if (inputs.isEmpty() || outputs.isEmpty()) {
      if (!Engines.ONNX_RUNTIME.equals(version.engine())) {
        throw new LoadException(
            "config.pbtxt: input and output specs are required for "
                + version.engine()
                + " models (TorchScript files carry no tensor names or types)");
      }
      OnnxSignatureReader.Specs read = OnnxSignatureReader.read(version.modelFile(), batches);
      inputs = inputs.isEmpty() ? read.inputs() : inputs;
      outputs = outputs.isEmpty() ? read.outputs() : outputs;
    }
    return new Signature(inputs, outputs, config.getMaxBatchSize());
  }

  private static BatchTranslator textEmbedding(
      ModelConfig config,
      VersionEntry version,
      ZooModel<?, ?> model,
      Map<String, String> options,
      boolean ort)
      throws LoadException {
    checkTextOptions(config, options);
    Path tokenizerFile = tokenizerFile(version, options);
    int maxLength = maxLength(options);
    int maxTextBytes =
        positiveInt(
            options, "max_text_bytes", maxLength * TextEmbeddingTranslator.DEFAULT_BYTES_PER_TOKEN);
    HuggingFaceTokenizer tokenizer = tokenizer(tokenizerFile, maxLength);
    List<String> inputs =
        ort ? model.describeInput().keys() : List.of("input_ids", "attention_mask");
    long dim =
        config.getOutputCount() > 0 && config.getOutput(0).getShapeCount() > 0
            ? config.getOutput(0).getShape(0)
            : -1;
    try {
      return new TextEmbeddingTranslator(
          tokenizer, inputs, ort, config.getMaxBatchSize(), dim, maxTextBytes);
    } catch (IllegalArgumentException e) {
      tokenizer.close();
      throw e;
    }
  }

  private static void checkTextOptions(ModelConfig config, Map<String, String> options)
      throws LoadException {
    for (String key : options.keySet()) {
      if (!TEXT_OPTIONS.contains(key)) {
        throw new LoadException(
            "translator.options: \""
                + key
                + "\" not understood; text_embedding takes "
                + TEXT_OPTIONS);
      }
    }
    if (config.getMaxBatchSize() <= 0) {
      throw new LoadException("text_embedding needs max_batch_size > 0 (texts travel as [N])");
    }
  }

  /** The tokenizer file, which must lie inside the version's folder. */
  private static Path tokenizerFile(VersionEntry version, Map<String, String> options)
      throws LoadException {
    Path tokenizerFile = version.dir().resolve(options.getOrDefault("tokenizer", "tokenizer.json"));
    if (!tokenizerFile.normalize().startsWith(version.dir())
        || !Files.isRegularFile(tokenizerFile)) {
      throw new LoadException(
          version.dir().getFileName()
              + "/"
              + version.dir().relativize(tokenizerFile)
              + ": missing; text_embedding needs the tokenizer next to the model");
    }
    return tokenizerFile;
  }

  private static int maxLength(Map<String, String> options) throws LoadException {
    String maxLength = options.getOrDefault("max_length", "256");
    try {
      int n = Integer.parseInt(maxLength);
      if (n >= 2) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new LoadException(
        "translator.options[\"max_length\"]: \"" + maxLength + "\"; expected an integer >= 2");
  }

  /**
   * Truncates to {@code maxLength} tokens; pads to the batch's longest text (masked in pooling).
   */
  private static HuggingFaceTokenizer tokenizer(Path file, int maxLength) throws LoadException {
    Map<String, String> tok = new HashMap<>();
    tok.put("maxLength", Integer.toString(maxLength));
    tok.put("truncation", "true");
    tok.put("padding", "true");
    try {
      return HuggingFaceTokenizer.newInstance(file, tok);
    } catch (IOException | RuntimeException e) {
      throw new LoadException(file.getFileName() + ": cannot load tokenizer: " + e.getMessage(), e);
    }
  }

  private static int positiveInt(Map<String, String> options, String key, int byDefault)
      throws LoadException {
    String value = options.get(key);
    if (value == null) {
      return byDefault;
    }
    try {
      int n = Integer.parseInt(value);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new LoadException(
        "translator.options[\"" + key + "\"]: \"" + value + "\"; expected an integer >= 1");
  }
}
