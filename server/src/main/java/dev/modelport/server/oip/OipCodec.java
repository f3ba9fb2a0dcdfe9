package dev.modelport.server.oip;

import static dev.modelport.server.errors.ModelportException.invalid;

import com.google.protobuf.ByteString;
import dev.modelport.oip.InferParameter;
import dev.modelport.oip.InferTensorContents;
import dev.modelport.oip.ModelInferRequest;
import dev.modelport.oip.ModelInferResponse;
import dev.modelport.v1.DataType;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import dev.modelport.v1.Tensor;
import dev.modelport.v1.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Translates between the Open Inference Protocol's messages and modelport.v1's. Pure: the first
 * problem becomes an INVALID_ARGUMENT whose message names the input and what was expected.
 */
public final class OipCodec {
  /**
   * Request parameter asking for outputs in the typed {@code contents} fields instead of {@code
   * raw_output_contents} (the default, as Triton answers and as its clients read).
   */
  public static final String TYPED_OUTPUT = "typed_output";

  /** Parameters that Triton reserves and clients may send; modelport ignores them. */
  private static final Set<String> TRITON_RESERVED =
      Set.of(
          "sequence_id",
          "sequence_start",
          "sequence_end",
          "priority",
          "timeout",
          "headers",
          "binary_data_output",
          "binary_data",
          "binary_data_size");

  private OipCodec() {}

  /** The OIP datatype string of a modelport dtype (STRING and BYTES are both BYTES). */
  public static String datatype(DataType t) {
    return switch (t) {
      case DATA_TYPE_BOOL -> "BOOL";
      case DATA_TYPE_UINT8 -> "UINT8";
      case DATA_TYPE_INT8 -> "INT8";
      case DATA_TYPE_INT32 -> "INT32";
      case DATA_TYPE_INT64 -> "INT64";
      case DATA_TYPE_FLOAT16 -> "FP16";
      case DATA_TYPE_FLOAT32 -> "FP32";
      case DATA_TYPE_FLOAT64 -> "FP64";
      case DATA_TYPE_STRING, DATA_TYPE_BYTES -> "BYTES";
      default -> throw new IllegalArgumentException("no OIP datatype for " + t);
    };
  }

  /**
   * The modelport dtype for OIP {@code datatype} going into an input declared {@code declared}:
   * BYTES goes to STRING inputs as text.
   */
  static DataType dtype(String datatype, DataType declared, String what) {
    return switch (datatype) {
      case "BOOL" -> DataType.DATA_TYPE_BOOL;
      case "UINT8" -> DataType.DATA_TYPE_UINT8;
      case "INT8" -> DataType.DATA_TYPE_INT8;
      case "INT32" -> DataType.DATA_TYPE_INT32;
      case "INT64" -> DataType.DATA_TYPE_INT64;
      case "FP16" -> DataType.DATA_TYPE_FLOAT16;
      case "FP32" -> DataType.DATA_TYPE_FLOAT32;
      case "FP64" -> DataType.DATA_TYPE_FLOAT64;
      case "BYTES" ->
          declared == DataType.DATA_TYPE_STRING
              ? DataType.DATA_TYPE_STRING
              : DataType.DATA_TYPE_BYTES;
      case "UINT16", "UINT32", "UINT64", "INT16", "BF16" ->
          throw invalid(
              what
                  + ": datatype "
                  + datatype
                  + " is not supported by modelport; the model expects "
                  + datatype(declared));
      default ->
          throw invalid(
              what
                  + ": datatype \""
                  + datatype
                  + "\" is not an OIP datatype; expected one of BOOL, UINT8, INT8, INT32, INT64,"
                  + " FP16, FP32, FP64, BYTES");
    };
  }

  /**
   * {@code req} as a modelport.v1 request for a model whose inputs are {@code inputs} (consulted
   * only to tell text from bytes). Outputs are asked raw unless {@link #TYPED_OUTPUT} is set.
   */
  public static PredictRequest toPredict(ModelInferRequest req, List<TensorSpec> inputs) {
    PredictRequest.Builder b =
        PredictRequest.newBuilder()
            .setModelName(req.getModelName())
            .setModelVersion(req.getModelVersion())
            .setRequestId(req.getId())
            .setRawOutput(!typedOutput(req));
    int raw = req.getRawInputContentsCount();
    if (raw > 0) {
      if (raw != req.getInputsCount()) {
        throw invalid(
            "raw_input_contents: "
                + raw
                + " entries for "
                + req.getInputsCount()
                + " inputs; send one per input, in input order");
      }
      for (ModelInferRequest.InferInputTensor in : req.getInputsList()) {
        if (in.hasContents() && hasValues(in.getContents())) {
          throw invalid(
              "input \""
                  + in.getName()
                  + "\": data in both contents and raw_input_contents; send one of them");
        }
      }
    }
    for (int i = 0; i < req.getInputsCount(); i++) {
      ModelInferRequest.InferInputTensor in = req.getInputs(i);
      String what = "input \"" + in.getName() + "\"";
      DataType declared =
          inputs.stream()
              .filter(s -> s.getName().equals(in.getName()))
              .map(TensorSpec::getDtype)
              .findFirst()
              .orElse(DataType.DATA_TYPE_BYTES);
      DataType dtype = dtype(in.getDatatype(), declared, what);
      Tensor.Builder t = Tensor.newBuilder().setName(in.getName()).setDtype(dtype);
      t.addAllShape(in.getShapeList());
      if (raw > 0) {
        raw(t, dtype, req.getRawInputContents(i), what);
      } else if (in.hasContents() && hasValues(in.getContents())) {
        typed(t, dtype, in.getContents(), what);
      } else if (elements(in.getShapeList()) != 0) {
        throw invalid(what + ": no data; send contents or raw_input_contents");
      }
      b.addInputs(t);
    }
    for (ModelInferRequest.InferRequestedOutputTensor o : req.getOutputsList()) {
      b.addOutputNames(o.getName());
    }
    for (Map.Entry<String, InferParameter> p : req.getParametersMap().entrySet()) {
      String k = p.getKey();
      if (k.equals(TYPED_OUTPUT) || TRITON_RESERVED.contains(k) || k.startsWith("triton_")) {
        continue;
      }
      b.putParameters(k, text(p.getValue()));
    }
    return b.build();
  }

  /** True when {@code req} asks for typed outputs ({@link #TYPED_OUTPUT}); false by default. */
  public static boolean typedOutput(ModelInferRequest req) {
    InferParameter p = req.getParametersMap().get(TYPED_OUTPUT);
    if (p == null) {
      return false;
    }
    return switch (p.getParameterChoiceCase()) {
      case BOOL_PARAM -> p.getBoolParam();
      case STRING_PARAM -> Boolean.parseBoolean(p.getStringParam());
      case INT64_PARAM -> p.getInt64Param() != 0;
      default -> throw invalid("parameters[\"typed_output\"]: expected a bool");
    };
  }

  private static String text(InferParameter p) {
    return switch (p.getParameterChoiceCase()) {
      case BOOL_PARAM -> Boolean.toString(p.getBoolParam());
      case INT64_PARAM -> Long.toString(p.getInt64Param());
      case STRING_PARAM -> p.getStringParam();
      case DOUBLE_PARAM -> Double.toString(p.getDoubleParam());
      case UINT64_PARAM -> Long.toUnsignedString(p.getUint64Param());
      default -> "";
    };
  }

  private static long elements(List<Long> shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  private static boolean hasValues(InferTensorContents c) {
    return c.getBoolContentsCount() > 0
        || c.getIntContentsCount() > 0
        || c.getInt64ContentsCount() > 0
        || c.getUintContentsCount() > 0
        || c.getUint64ContentsCount() > 0
        || c.getFp32ContentsCount() > 0
        || c.getFp64ContentsCount() > 0
        || c.getBytesContentsCount() > 0;
  }

  /** The typed field {@code dtype} reads, or null for raw-only types. */
  private static String field(DataType dtype) {
    return switch (dtype) {
      case DATA_TYPE_BOOL -> "bool_contents";
      case DATA_TYPE_INT8, DATA_TYPE_INT32 -> "int_contents";
      case DATA_TYPE_UINT8 -> "uint_contents";
      case DATA_TYPE_INT64 -> "int64_contents";
      case DATA_TYPE_FLOAT32 -> "fp32_contents";
      case DATA_TYPE_FLOAT64 -> "fp64_contents";
      case DATA_TYPE_STRING, DATA_TYPE_BYTES -> "bytes_contents";
      default -> null;
    };
  }

  private static int count(InferTensorContents c, String field) {
    return switch (field) {
      case "bool_contents" -> c.getBoolContentsCount();
      case "int_contents" -> c.getIntContentsCount();
      case "uint_contents" -> c.getUintContentsCount();
      case "int64_contents" -> c.getInt64ContentsCount();
      case "fp32_contents" -> c.getFp32ContentsCount();
      case "fp64_contents" -> c.getFp64ContentsCount();
      default -> c.getBytesContentsCount();
    };
  }

  private static void typed(Tensor.Builder t, DataType dtype, InferTensorContents c, String what) {
    String field = field(dtype);
    if (field == null) {
      throw invalid(what + ": " + datatype(dtype) + " is sent raw only (raw_input_contents)");
    }
    int total =
        c.getBoolContentsCount()
            + c.getIntContentsCount()
            + c.getInt64ContentsCount()
            + c.getUintContentsCount()
            + c.getUint64ContentsCount()
            + c.getFp32ContentsCount()
            + c.getFp64ContentsCount()
            + c.getBytesContentsCount();
    if (count(c, field) != total) {
      throw invalid(
          what + ": " + datatype(dtype) + " values go in contents." + field + ", not other fields");
    }
    switch (dtype) {
      case DATA_TYPE_BOOL -> t.addAllBoolVal(c.getBoolContentsList());
      case DATA_TYPE_INT8, DATA_TYPE_INT32 -> t.addAllIntVal(c.getIntContentsList());
      case DATA_TYPE_UINT8 -> t.addAllIntVal(c.getUintContentsList());
      case DATA_TYPE_INT64 -> t.addAllInt64Val(c.getInt64ContentsList());
      case DATA_TYPE_FLOAT32 -> t.addAllFloatVal(c.getFp32ContentsList());
      case DATA_TYPE_FLOAT64 -> t.addAllDoubleVal(c.getFp64ContentsList());
      case DATA_TYPE_STRING -> {
        for (int i = 0; i < c.getBytesContentsCount(); i++) {
          t.addStringVal(
              utf8(c.getBytesContents(i), what + ": contents.bytes_contents[" + i + "]"));
        }
      }
      default -> t.addAllBytesVal(c.getBytesContentsList());
    }
  }

  private static void raw(Tensor.Builder t, DataType dtype, ByteString raw, String what) {
    if (dtype != DataType.DATA_TYPE_STRING && dtype != DataType.DATA_TYPE_BYTES) {
      t.setRaw(raw); // the same little-endian, row-major layout; its length is checked later
      return;
    }
    ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    int i = 0;
    while (b.hasRemaining()) {
      if (b.remaining() < 4) {
        throw invalid(
            what
                + ": raw BYTES element "
                + i
                + " has a truncated length prefix; each element is a 4-byte little-endian"
                + " length followed by its bytes");
      }
      long len = Integer.toUnsignedLong(b.getInt());
      if (len > b.remaining()) {
        throw invalid(
            what
                + ": raw BYTES element "
                + i
                + " says "
                + len
                + " bytes but "
                + b.remaining()
                + " remain");
      }
      ByteString e = raw.substring(b.position(), b.position() + (int) len);
      b.position(b.position() + (int) len);
      if (dtype == DataType.DATA_TYPE_STRING) {
        t.addStringVal(utf8(e, what + ": raw BYTES element " + i));
      } else {
        t.addBytesVal(e);
      }
      i++;
    }
  }

  private static String utf8(ByteString s, String what) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(s.asReadOnlyByteBuffer())
          .toString();
    } catch (CharacterCodingException e) {
      throw invalid(what + ": not valid UTF-8 (this input is text)");
    }
  }

  /** {@code r} as an OIP answer: raw outputs unless the request asked for typed ones. */
  public static ModelInferResponse toInfer(PredictResponse r, boolean typed) {
    ModelInferResponse.Builder b =
        ModelInferResponse.newBuilder()
            .setModelName(r.getModelName())
            .setModelVersion(r.getModelVersion())
            .setId(r.getRequestId());
    for (Tensor t : r.getOutputsList()) {
      ModelInferResponse.InferOutputTensor.Builder o =
          ModelInferResponse.InferOutputTensor.newBuilder()
              .setName(t.getName())
              .setDatatype(datatype(t.getDtype()))
              .addAllShape(t.getShapeList());
      if (typed) {
        o.setContents(contents(t));
      } else {
        b.addRawOutputContents(rawBytes(t));
      }
      b.addOutputs(o);
    }
    return b.build();
  }

  private static InferTensorContents contents(Tensor t) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    switch (t.getDtype()) {
      case DATA_TYPE_BOOL -> c.addAllBoolContents(t.getBoolValList());
      case DATA_TYPE_INT8, DATA_TYPE_INT32 -> c.addAllIntContents(t.getIntValList());
      case DATA_TYPE_UINT8 -> t.getIntValList().forEach(v -> c.addUintContents(v));
      case DATA_TYPE_INT64 -> c.addAllInt64Contents(t.getInt64ValList());
      case DATA_TYPE_FLOAT32, DATA_TYPE_FLOAT16 -> c.addAllFp32Contents(t.getFloatValList());
      case DATA_TYPE_FLOAT64 -> c.addAllFp64Contents(t.getDoubleValList());
      case DATA_TYPE_STRING ->
          t.getStringValList().forEach(s -> c.addBytesContents(ByteString.copyFromUtf8(s)));
      default -> c.addAllBytesContents(t.getBytesValList());
    }
    return c.build();
  }

  /**
   * {@code t} as OIP raw contents: numbers as they are packed in {@code raw}, strings and bytes
   * each with a 4-byte little-endian length prefix.
   */
  public static ByteString rawBytes(Tensor t) {
    if (t.getDtype() != DataType.DATA_TYPE_STRING && t.getDtype() != DataType.DATA_TYPE_BYTES) {
      return t.getRaw(); // modelport answered raw, as asked
    }
    List<ByteString> elements =
        t.getDtype() == DataType.DATA_TYPE_STRING
            ? t.getStringValList().stream().map(ByteString::copyFromUtf8).toList()
            : t.getBytesValList();
    int size = 0;
    for (ByteString e : elements) {
      size += 4 + e.size();
    }
    ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    for (ByteString e : elements) {
      out.putInt(e.size());
      e.copyTo(out);
    }
    out.flip();
    return ByteString.copyFrom(out);
  }
}
