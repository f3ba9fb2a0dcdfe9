package dev.modelport.server.tensor;

import static dev.modelport.server.errors.ModelportException.invalid;

import dev.modelport.v1.DataType;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.Tensor;
import dev.modelport.v1.TensorSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a {@link PredictRequest} against a {@link Signature} and decodes its inputs: every input
 * present once and known, dtype and shape that fit the spec, the same batch size on every input, no
 * more rows than {@code max_batch_size}, known output names. A pure function: the first problem
 * becomes an INVALID_ARGUMENT whose message names the input and what was expected.
 */
public final class RequestValidator {
  private RequestValidator() {}

  public static ValidatedRequest validate(PredictRequest req, Signature sig) {
    Map<String, Tensor> byName = new HashMap<>();
    for (Tensor t : req.getInputsList()) {
      if (sig.input(t.getName()).isEmpty()) {
        throw invalid(
            "input \""
                + t.getName()
                + "\": not an input of this model; expected "
                + sig.inputNames());
      }
      if (byName.put(t.getName(), t) != null) {
        throw invalid("input \"" + t.getName() + "\": sent twice");
      }
    }
    List<String> missing = new ArrayList<>();
    for (TensorSpec s : sig.inputs()) {
      if (!byName.containsKey(s.getName())) {
        missing.add(s.getName());
      }
    }
    if (!missing.isEmpty()) {
      throw invalid(
          "inputs: missing " + quoted(missing) + "; expected " + quoted(sig.inputNames()));
    }
    List<HostTensor> inputs = new ArrayList<>(sig.inputs().size());
    long rows = -1;
    String rowsFrom = null;
    for (TensorSpec spec : sig.inputs()) {
      Tensor t = byName.get(spec.getName());
      String what = "input \"" + spec.getName() + "\"";
      DataType dtype = checkDtype(t, spec, what);
      checkShape(t, spec, sig, what);
      if (sig.batches()) {
        long n = t.getShape(0);
        if (rows >= 0 && n != rows) {
          throw invalid(
              what
                  + ": batch size "
                  + n
                  + " differs from input \""
                  + rowsFrom
                  + "\" ("
                  + rows
                  + ")");
        }
        rows = n;
        rowsFrom = spec.getName();
      }
      inputs.add(TensorDecoder.decode(t, dtype, what));
    }
    if (sig.batches() && rows > sig.maxBatchSize()) {
      throw invalid(
          "input \""
              + rowsFrom
              + "\": batch of "
              + rows
              + " rows exceeds max_batch_size "
              + sig.maxBatchSize());
    }
    return new ValidatedRequest(
        inputs,
        sig.batches() ? (int) rows : 1,
        outputs(req, sig),
        req.getRawOutput(),
        req.getParametersMap());
  }

  private static DataType checkDtype(Tensor t, TensorSpec spec, String what) {
    DataType got = t.getDtype();
    if (got == DataType.DATA_TYPE_UNSPECIFIED) {
      return spec.getDtype(); // a convenience for hand-written requests (grpcurl)
    }
    if (got != spec.getDtype()) {
      throw invalid(
          what
              + ": dtype "
              + DataTypes.shortName(got)
              + " does not match the model's "
              + DataTypes.shortName(spec.getDtype()));
    }
    return got;
  }

  private static void checkShape(Tensor t, TensorSpec spec, Signature sig, String what) {
    List<Long> want = new ArrayList<>();
    if (sig.batches()) {
      want.add(-1L);
    }
    want.addAll(spec.getShapeList());
    List<Long> got = t.getShapeList();
    boolean fits = got.size() == want.size();
    for (int i = 0; fits && i < got.size(); i++) {
      long g = got.get(i);
      fits = g >= 1 && (want.get(i) == -1 || want.get(i) == g);
    }
    if (!fits) {
      throw invalid(what + ": shape " + dims(got) + " does not fit " + dims(want));
    }
  }

  private static List<String> outputs(PredictRequest req, Signature sig) {
    if (req.getOutputNamesCount() == 0) {
      return sig.outputNames();
    }
    Set<String> asked = new LinkedHashSet<>();
    for (String n : req.getOutputNamesList()) {
      if (sig.output(n).isEmpty()) {
        throw invalid(
            "output_names: \""
                + n
                + "\" is not an output of this model; expected "
                + quoted(sig.outputNames()));
      }
      if (!asked.add(n)) {
        throw invalid("output_names: \"" + n + "\" asked twice");
      }
    }
    Set<String> keep = new HashSet<>(asked);
    return sig.outputNames().stream().filter(keep::contains).toList();
  }

  /** [2,5] style, as in the contract's messages. */
  static String dims(List<Long> shape) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < shape.size(); i++) {
      b.append(i == 0 ? "" : ",").append(shape.get(i));
    }
    return b.append(']').toString();
  }

  private static String quoted(List<String> names) {
    return names.stream().map(n -> "\"" + n + "\"").toList().toString();
  }
}
