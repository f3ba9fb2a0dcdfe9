package dev.modelport.server.runtime;

import static dev.modelport.server.errors.ModelportException.invalid;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import dev.modelport.server.tensor.HostTensor;
import dev.modelport.server.tensor.Signature;
import dev.modelport.server.tensor.ValidatedRequest;
import dev.modelport.v1.DataType;
import dev.modelport.v1.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code text_embedding}: {@code text} STRING [N] in, {@code embedding} FLOAT32 [N, dim] out. Texts
 * are tokenized with the version's {@code tokenizer.json}, padded to the longest in the batch, run
 * through a transformer that returns per-token states, mean-pooled over the attention mask (so
 * padding never leaks into a text's embedding, whatever its batch mates) and L2-normalised unless
 * the request says {@code normalize: "false"}.
 *
 * <p>Each text is cut to {@code max_text_bytes} UTF-8 bytes (at a character boundary) before the
 * tokenizer sees it. The model reads at most {@code max_length} tokens, so the tail would be
 * truncated anyway; tokenizing it first cost seconds of CPU and tens of MB of heap per megabyte of
 * text. The default, {@value #DEFAULT_BYTES_PER_TOKEN} bytes per token of {@code max_length} (16
 * KiB for MiniLM's 256), is ten times what English text needs per WordPiece token, so the cut
 * changes an embedding only for texts whose first {@code max_length} tokens span more than that
 * (e.g. long runs of whitespace, which make no tokens).
 */
final class TextEmbeddingTranslator implements BatchTranslator {
  static final String INPUT = "text";
  static final String OUTPUT = "embedding";
  static final String NORMALIZE = "normalize";
  private static final String MASK = "mask";
  private static final String LENGTH = "length";

  /** Default {@code max_text_bytes} per token of {@code max_length}. */
  static final int DEFAULT_BYTES_PER_TOKEN = 64;

  private final HuggingFaceTokenizer tokenizer;
  private final List<String> modelInputs;
  private final boolean nameInputs;
  private final Signature signature;
  private final int maxTextBytes;

  /**
   * @param modelInputs the model's input names, in order: a subset of input_ids, attention_mask,
   *     token_type_ids
   * @param dim the embedding size if known (from config.pbtxt), else -1
   */
  TextEmbeddingTranslator(
      HuggingFaceTokenizer tokenizer,
      List<String> modelInputs,
      boolean nameInputs,
      int maxBatchSize,
      long dim,
      int maxTextBytes) {
    for (String n : modelInputs) {
      if (!Set.of("input_ids", "attention_mask", "token_type_ids").contains(n)) {
        throw new IllegalArgumentException(
            "text_embedding: model input \""
                + n
                + "\" is not one of input_ids, attention_mask, token_type_ids");
      }
    }
    this.tokenizer = tokenizer;
    this.maxTextBytes = maxTextBytes;
    this.modelInputs = List.copyOf(modelInputs);
    this.nameInputs = nameInputs;
    this.signature =
        new Signature(
            List.of(
                TensorSpec.newBuilder().setName(INPUT).setDtype(DataType.DATA_TYPE_STRING).build()),
            List.of(
                TensorSpec.newBuilder()
                    .setName(OUTPUT)
                    .setDtype(DataType.DATA_TYPE_FLOAT32)
                    .addShape(dim)
                    .build()),
            maxBatchSize);
  }

  @Override
  public Signature signature() {
    return signature;
  }

  @Override
  public void checkParameters(Map<String, String> parameters) {
    for (Map.Entry<String, String> p : parameters.entrySet()) {
      if (!p.getKey().equals(NORMALIZE)) {
        throw invalid(
            "parameters: \"" + p.getKey() + "\" not understood; text_embedding takes [normalize]");
      }
      if (!p.getValue().equals("true") && !p.getValue().equals("false")) {
        throw invalid(
            "parameters[\"normalize\"]: \"" + p.getValue() + "\"; expected \"true\" or \"false\"");
      }
    }
  }

  @Override
  public ValidatedRequest warmupRequest() {
    HostTensor text =
        HostTensor.elements(
            INPUT,
            DataType.DATA_TYPE_STRING,
            new long[] {1},
            List.of(ByteString.copyFromUtf8("warm-up")));
    return new ValidatedRequest(List.of(text), 1, List.of(OUTPUT), false, Map.of());
  }

  /** The text of {@code utf8}, cut to at most {@code maxBytes} bytes at a character boundary. */
  static String cut(ByteString utf8, int maxBytes) {
    if (utf8.size() <= maxBytes) {
      return utf8.toStringUtf8();
    }
    int end = maxBytes;
    while (end > 0 && (utf8.byteAt(end) & 0xC0) == 0x80) {
      end--; // byteAt(end) continues a character that starts before it: cut before that start
    }
    return utf8.substring(0, end).toStringUtf8();
  }

  @Override
  public NDList toModelInput(
      NDManager manager, List<InferenceRequest> batch, Map<String, Object> scratch) {
    List<String> texts = new ArrayList<>();
    for (InferenceRequest r : batch) {
      r.request().inputs().get(0).elements().forEach(e -> texts.add(cut(e, maxTextBytes)));
    }
    Encoding[] enc = tokenizer.batchEncode(texts);
    int n = enc.length;
    int len = 0;
    for (Encoding e : enc) {
      len = Math.max(len, e.getIds().length);
    }
    long[] ids = new long[n * len];
    long[] mask = new long[n * len];
    long[] types = new long[n * len];
    for (int i = 0; i < n; i++) {
      long[] eIds = enc[i].getIds();
      long[] eMask = enc[i].getAttentionMask();
      long[] eTypes = enc[i].getTypeIds();
      System.arraycopy(eIds, 0, ids, i * len, eIds.length);
      System.arraycopy(eMask, 0, mask, i * len, eMask.length);
      System.arraycopy(eTypes, 0, types, i * len, eTypes.length);
    }
    scratch.put(MASK, mask);
    scratch.put(LENGTH, len);
    Shape shape = new Shape(n, len);
    NDList list = new NDList(modelInputs.size());
    for (String name : modelInputs) {
      long[] data =
          switch (name) {
            case "input_ids" -> ids;
            case "attention_mask" -> mask;
            default -> types;
          };
      NDArray a = manager.create(data, shape);
      if (nameInputs) {
        a.setName(name);
      }
      list.add(a);
    }
    return list;
  }

  @Override
  public List<List<HostTensor>> fromModelOutput(
      NDList output, List<InferenceRequest> batch, Map<String, Object> scratch) {
    NDArray states = tokenStates(output);
    long[] shape = states.getShape().getShape();
    float[] h = states.toFloatArray();
    long[] mask = (long[]) scratch.get(MASK);
    int len = (Integer) scratch.get(LENGTH);
    int n = (int) shape[0];
    int dim = (int) shape[shape.length - 1];
    float[] pooled = new float[n * dim];
    if (shape.length == 2) {
      System.arraycopy(h, 0, pooled, 0, n * dim); // the model pools by itself
    } else {
      meanPool(h, mask, n, len, dim, pooled);
    }
    List<List<HostTensor>> out = new ArrayList<>(batch.size());
    int row = 0;
    for (InferenceRequest r : batch) {
      boolean normalize = !"false".equals(r.request().parameters().get(NORMALIZE));
      int rows = r.rows();
      ByteBuffer buf = ByteBuffer.allocate(rows * dim * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = row; i < row + rows; i++) {
        double norm = 0;
        for (int k = 0; k < dim; k++) {
          norm += (double) pooled[i * dim + k] * pooled[i * dim + k];
        }
        float scale = normalize && norm > 0 ? (float) (1.0 / Math.sqrt(norm)) : 1f;
        for (int k = 0; k < dim; k++) {
          buf.putFloat(pooled[i * dim + k] * scale);
        }
      }
      buf.flip();
      out.add(
          List.of(
              HostTensor.numeric(OUTPUT, DataType.DATA_TYPE_FLOAT32, new long[] {rows, dim}, buf)));
      row += rows;
    }
    return out;
  }

  /** Mean of each text's token states where the attention mask is 1. */
  static void meanPool(float[] h, long[] mask, int n, int len, int dim, float[] out) {
    for (int i = 0; i < n; i++) {
      int count = 0;
      for (int t = 0; t < len; t++) {
        if (mask[i * len + t] == 0) {
          continue;
        }
        count++;
        int base = (i * len + t) * dim;
        for (int k = 0; k < dim; k++) {
          out[i * dim + k] += h[base + k];
        }
      }
      if (count > 0) {
        for (int k = 0; k < dim; k++) {
          out[i * dim + k] /= count;
        }
      }
    }
  }

  /** The per-token states: "last_hidden_state" / "token_embeddings", else the first 3-d output. */
  private static NDArray tokenStates(NDList output) {
    for (NDArray a : output) {
      if ("last_hidden_state".equals(a.getName()) || "token_embeddings".equals(a.getName())) {
        return a;
      }
    }
    for (NDArray a : output) {
      if (a.getShape().dimension() == 3) {
        return a;
      }
    }
    for (NDArray a : output) {
      if (a.getShape().dimension() == 2 && "sentence_embedding".equals(a.getName())) {
        return a;
      }
    }
    throw new IllegalStateException(
        "text_embedding: the model returned no per-token states [batch, tokens, dim]; got "
            + java.util.Arrays.toString(output.getShapes()));
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
