package dev.modelport.cli.perf;

import dev.modelport.server.runtime.DirectRunner;
import dev.modelport.server.runtime.EngineThreads;
import dev.modelport.server.tensor.RequestValidator;
import dev.modelport.server.tensor.ValidatedRequest;
import dev.modelport.store.ModelDefinition;
import dev.modelport.store.ModelStore;
import dev.modelport.v1.PredictRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code perf --in-process}: the model and the same translator straight through a DJL Predictor, no
 * gRPC, no batcher: the engine's ceiling. Found by {@link PerfCommand} when this module's jar is on
 * the class path ({@code java -jar perf-inprocess/target/modelport-perf.jar perf ...}).
 */
final class InProcess {
  private InProcess() {}

  static PerfResult run(PerfOptions o, int threads) throws Exception {
    // the server's PyTorch thread defaults, so that the ceiling is measured as the server runs
    EngineThreads.configureTorch(0, 0);
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    if (System.getProperty("ai.djl.onnx.disable_alternative") == null) {
      System.setProperty("ai.djl.onnx.disable_alternative", "true");
    }
    Path storeDir =
        o.store() != null ? o.store() : dev.modelport.server.DefaultStore.find(InProcess.class);
    ModelStore store = ModelStore.open(storeDir);
    ModelDefinition def =
        store
            .read(o.model())
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "--model " + o.model() + ": not in store " + storeDir));
    if (def.problem() != null) {
      throw new IllegalArgumentException(def.problem());
    }
    var entry = def.versions().get(def.versions().size() - 1);
    List<DirectRunner> runners = new CopyOnWriteArrayList<>();
    try {
      return LoadLoop.run(
          "in-process",
          "direct",
          threads,
          o.rows(),
          o,
          () -> {
            DirectRunner runner = DirectRunner.open(o.model(), def.config(), entry);
            runners.add(runner);
            PredictRequest request =
                Workload.request(o.model(), runner.signature().inputs(), o.rows(), 42);
            ValidatedRequest valid = RequestValidator.validate(request, runner.signature());
            List<ValidatedRequest> batch = List.of(valid);
            return () -> runner.run(batch);
          });
    } finally {
      runners.forEach(DirectRunner::close);
    }
  }
}
