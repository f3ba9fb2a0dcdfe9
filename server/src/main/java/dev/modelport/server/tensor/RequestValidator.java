package dev.modelport.server.tensor;

import static dev.modelport.server.errors.ModelportException.invalid;

import dev.modelport.v1.DataType;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.Tensor;
import dev.modelport.v1.TensorSpec;
import java.util.ArrayList;
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
    Tensor[] bySpec = bySpec(req, sig);
    List<TensorSpec> specs = sig.inputs();
    HostTensor[] inputs = new HostTensor[bySpec.length];
    long rows = -1;
    String rowsFrom = null;
    for (int i = 0; i < bySpec.length; i++) {
      TensorSpec spec = specs.get(i);
      Tensor t = bySpec[i];
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
      inputs[i] = TensorDecoder.decode(t, dtype, what);
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
        List.of(inputs),
        sig.batches() ? (int) rows : 1,
        outputs(req, sig),
        req.getRawOutput(),
        req.getParametersCount() == 0 ? Map.of() : req.getParametersMap());
  }

  /** The request's inputs in the signature's order: each known, sent once, none missing. */
  private static Tensor[] bySpec(PredictRequest req, Signature sig) {
    List<TensorSpec> specs = sig.inputs();
    Tensor[] bySpec = new Tensor[specs.size()];
    for (int i = 0, n = req.getInputsCount(); i < n; i++) {
      Tensor t = req.getInputs(i);
      int at = sig.inputIndex(t.getName());
      if (at < 0) {
        throw invalid(
            "input \""
                + t.getName()
                + "\": not an input of this model; expected "
                + sig.inputNames());
      }
      if (bySpec[at] != null) {
        throw invalid("input \"" + t.getName() + "\": sent twice");
      }
      bySpec[at] = t;
    }
    List<String> missing = new ArrayList<>(0);
    for (int i = 0; i < bySpec.length; i++) {
      if (bySpec[i] == null) {
        missing.add(specs.get(i).getName());
      }
    }
    if (!missing.isEmpty()) {
      throw invalid(
          "inputs: missing " + quoted(missing) + "; expected " + quoted(sig.inputNames()));
    }
    return bySpec;
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
    int lead = sig.batches() ? 1 : 0;
    boolean fits = t.getShapeCount() == lead + spec.getShapeCount();
    for (int i = 0; fits && i < t.getShapeCount(); i++) {
      long g = t.getShape(i);
      long w = i < lead ? -1 : spec.getShape(i - lead);
      fits = g >= 1 && (w == -1 || w == g);
    }
    if (!fits) {
      List<Long> want = new ArrayList<>();
      if (sig.batches()) {
        want.add(-1L);
      }
      want.addAll(spec.getShapeList());
      throw invalid(what + ": shape " + dims(t.getShapeList()) + " does not fit " + dims(want));
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
