package dev.modelport.server.runtime;

import static dev.modelport.server.errors.ModelportException.invalid;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.protobuf.ByteString;
import dev.modelport.server.tensor.DataTypes;
import dev.modelport.server.tensor.HostTensor;
import dev.modelport.server.tensor.Signature;
import dev.modelport.server.tensor.ValidatedRequest;
import dev.modelport.v1.DataType;
import dev.modelport.v1.TensorSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The default translator: the model's own tensors in and out. A batch's inputs are concatenated
 * along dimension 0 and its outputs split back by each request's row count.
 */
final class TensorTranslator implements BatchTranslator {
  private final Signature signature;
  private final boolean nameInputs;

  /**
   * @param nameInputs give each input NDArray its signature name (engines that feed by name, like
   *     ONNX Runtime); otherwise inputs go by position (TorchScript)
   */
  TensorTranslator(Signature signature, boolean nameInputs) {
    for (TensorSpec s : signature.inputs()) {
      if (s.getDtype() == DataType.DATA_TYPE_BYTES) {
        throw new IllegalArgumentException(
            "input \"" + s.getName() + "\": BYTES inputs need a translator that decodes them");
      }
    }
    this.signature = signature;
    this.nameInputs = nameInputs;
  }

  @Override
  public Signature signature() {
    return signature;
  }

  @Override
  public void checkParameters(Map<String, String> parameters) {
    if (!parameters.isEmpty()) {
      throw invalid(
          "parameters: "
              + parameters.keySet()
              + " not understood; the \"tensor\" translator takes none");
    }
  }

  @Override
  public ValidatedRequest warmupRequest() {
    List<HostTensor> inputs = new ArrayList<>();
    for (TensorSpec s : signature.inputs()) {
      List<Long> dims = new ArrayList<>();
      if (signature.batches()) {
        dims.add(1L);
      }
      s.getShapeList().forEach(d -> dims.add(d == -1 ? 1L : d));
      long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      if (DataTypes.isVariableLength(s.getDtype())) {
        inputs.add(
            HostTensor.elements(
                s.getName(),
                s.getDtype(),
                shape,
                Collections.nCopies((int) n, ByteString.copyFromUtf8("warm-up"))));
      } else {
        ByteBuffer zeros = ByteBuffer.allocate((int) n * DataTypes.byteSize(s.getDtype()));
        inputs.add(HostTensor.numeric(s.getName(), s.getDtype(), shape, zeros));
      }
    }
    return new ValidatedRequest(inputs, 1, signature.outputNames(), false, Map.of());
  }

  @Override
  public NDList toModelInput(
      NDManager manager, List<InferenceRequest> batch, Map<String, Object> scratch) {
    NDList list = new NDList(signature.inputs().size());
    for (int i = 0; i < signature.inputs().size(); i++) {
      TensorSpec spec = signature.inputs().get(i);
      long[] shape = batch.get(0).request().inputs().get(i).shape();
      if (signature.batches()) {
        shape[0] = batch.stream().mapToLong(InferenceRequest::rows).sum();
      }
      NDArray a = HostArrays.concat(manager, batch, i, spec.getDtype(), shape);
      if (nameInputs) {
        a.setName(spec.getName());
      }
      list.add(a);
    }
    return list;
  }

  @Override
  public List<List<HostTensor>> fromModelOutput(
      NDList output, List<InferenceRequest> batch, Map<String, Object> scratch) {
    Set<String> wanted = new HashSet<>();
    batch.forEach(r -> wanted.addAll(r.request().outputNames()));
    long totalRows = batch.stream().mapToLong(InferenceRequest::rows).sum();
    HostTensor[] whole = new HostTensor[signature.outputs().size()];
    for (int i = 0; i < whole.length; i++) {
      TensorSpec spec = signature.outputs().get(i);
      if (wanted.contains(spec.getName())) {
        whole[i] =
            checked(HostArrays.toHost(pick(output, spec, i), spec.getName()), spec, totalRows);
      }
    }
    List<List<HostTensor>> out = new ArrayList<>(batch.size());
    long row = 0;
    for (InferenceRequest r : batch) {
      List<HostTensor> mine = new ArrayList<>(r.request().outputNames().size());
      for (String name : r.request().outputNames()) {
        HostTensor t = whole[indexOf(name)];
        mine.add(signature.batches() ? t.rows(row, r.rows()) : t);
      }
      out.add(mine);
      row += r.rows();
    }
    return out;
  }

  private int indexOf(String output) {
    return signature.outputNames().indexOf(output);
  }

  /** The output for {@code spec}: by name where the engine names outputs, else by position. */
  private NDArray pick(NDList output, TensorSpec spec, int position) {
    for (NDArray a : output) {
      if (spec.getName().equals(a.getName())) {
        return a;
      }
    }
    if (output.size() == signature.outputs().size()) {
      return output.get(position);
    }
    List<String> names = output.stream().map(NDArray::getName).toList();
    throw new IllegalStateException(
        "output \""
            + spec.getName()
            + "\": the model returned "
            + output.size()
            + " outputs "
            + names
            + " and none has this name");
  }

  /** The model's output must be what the signature promises: a config mistake shows at warm-up. */
  private HostTensor checked(HostTensor t, TensorSpec spec, long totalRows) {
    List<Long> want = new ArrayList<>();
    if (signature.batches()) {
      want.add(totalRows);
    }
    want.addAll(spec.getShapeList());
    boolean fits = t.dtype() == spec.getDtype() && t.rank() == want.size();
    for (int i = 0; fits && i < want.size(); i++) {
      fits = want.get(i) == -1 || want.get(i) == t.dim(i);
    }
    if (!fits) {
      throw new IllegalStateException(
          "output \""
              + spec.getName()
              + "\": the model returned "
              + t
              + " but the signature says "
              + DataTypes.shortName(spec.getDtype())
              + want);
    }
    return t;
  }
}
