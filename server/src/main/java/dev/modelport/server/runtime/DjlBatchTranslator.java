package dev.modelport.server.runtime;

import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import dev.modelport.server.tensor.HostTensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Adapts a {@link BatchTranslator} to DJL's Translator, so a batch runs through a plain {@code
 * Predictor}: the predictor context's sub-manager holds every NDArray of the batch and is closed by
 * DJL when the batch ends, freeing its native memory.
 */
final class DjlBatchTranslator
    implements NoBatchifyTranslator<List<InferenceRequest>, List<List<HostTensor>>> {
  private static final String BATCH = "modelport.batch";
  private static final String SCRATCH = "modelport.scratch";

  private final BatchTranslator translator;

  DjlBatchTranslator(BatchTranslator translator) {
    this.translator = translator;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, List<InferenceRequest> batch) {
    Map<String, Object> scratch = new HashMap<>();
    ctx.setAttachment(BATCH, batch);
    ctx.setAttachment(SCRATCH, scratch);
    return translator.toModelInput(ctx.getNDManager(), batch, scratch);
  }

  @Override
  @SuppressWarnings("unchecked")
  public List<List<HostTensor>> processOutput(TranslatorContext ctx, NDList list) {
    return translator.fromModelOutput(
        list,
        (List<InferenceRequest>) ctx.getAttachment(BATCH),
        (Map<String, Object>) ctx.getAttachment(SCRATCH));
  }
}
