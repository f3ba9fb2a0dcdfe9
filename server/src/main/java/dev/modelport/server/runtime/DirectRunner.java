package dev.modelport.server.runtime;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import dev.modelport.server.tensor.HostTensor;
import dev.modelport.server.tensor.Signature;
import dev.modelport.server.tensor.ValidatedRequest;
import dev.modelport.store.VersionEntry;
import dev.modelport.v1.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * One model version run straight through a DJL Predictor on the CPU, with the same translator as
 * the server but no batcher, no workers and no gRPC: the engine's ceiling, for the benchmark tool's
 * {@code --in-process} baseline. Not thread-safe (one Predictor); one per thread.
 */
public final class DirectRunner implements AutoCloseable {
  private final ZooModel<NDList, NDList> model;
  private final BatchTranslator translator;
  private final Predictor<List<InferenceRequest>, List<List<HostTensor>>> predictor;

  private DirectRunner(ZooModel<NDList, NDList> model, BatchTranslator translator) {
    this.model = model;
    this.translator = translator;
    this.predictor = model.newPredictor(new DjlBatchTranslator(translator));
  }

  public static DirectRunner open(String modelName, ModelConfig config, VersionEntry entry)
      throws LoadException {
    if (entry.problem() != null) {
      throw new LoadException(entry.problem());
    }
    ZooModel<NDList, NDList> model =
        VersionLoader.loadModel(
            entry,
            Device.cpu(),
            VersionLoader.engineOptions(config, entry, List.of(Device.cpu()), Device.cpu()));
    try {
      return new DirectRunner(model, Translators.create(config, entry, model));
    } catch (LoadException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  public Signature signature() {
    return translator.signature();
  }

  /** The translator the server would use for this version (tests check its parameters). */
  BatchTranslator translator() {
    return translator;
  }

  /** Runs {@code batch} as one engine call; element i holds request i's outputs. */
  public List<List<HostTensor>> run(List<ValidatedRequest> batch) throws TranslateException {
    List<InferenceRequest> items = new ArrayList<>(batch.size());
    for (ValidatedRequest r : batch) {
      items.add(new InferenceRequest(r, InferenceRequest.NO_DEADLINE, () -> false));
    }
    return predictor.predict(items);
  }

  @Override
  public void close() {
    predictor.close();
    translator.close();
    model.close();
  }
}
