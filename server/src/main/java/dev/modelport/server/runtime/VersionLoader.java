package dev.modelport.server.runtime;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.modelport.server.batching.BatchObserver;
import dev.modelport.server.batching.BatchPolicy;
import dev.modelport.server.batching.BatchRunner;
import dev.modelport.server.batching.Batcher;
import dev.modelport.server.batching.WorkerPool;
import dev.modelport.server.placement.DeviceTopology;
import dev.modelport.server.placement.PlacementException;
import dev.modelport.server.placement.PlacementPlanner;
import dev.modelport.server.tensor.HostTensor;
import dev.modelport.store.Engines;
import dev.modelport.store.VersionEntry;
import dev.modelport.v1.DynamicBatching;
import dev.modelport.v1.ModelConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads one version: plans its devices, loads the model once per device with DJL, builds its
 * translator, starts one worker per instance (each creating its own Predictor) and warms every
 * instance up with one real inference. Only then is the version returned, READY.
 */
public final class VersionLoader implements Loader {
  private static final Logger log = LoggerFactory.getLogger(VersionLoader.class);

  private final Function<String, DeviceTopology> topologies;
  private final BiFunction<String, Long, BatchObserver> observers;

  /**
   * @param topologies the device topology each engine sees (simulated in tests)
   * @param observers the batch observer (metrics) for a model and version
   */
  public VersionLoader(
      Function<String, DeviceTopology> topologies,
      BiFunction<String, Long, BatchObserver> observers) {
    this.topologies = topologies;
    this.observers = observers;
  }

  /** What DJL sees on this machine, without metrics. */
  public static VersionLoader forThisMachine() {
    return new VersionLoader(DeviceTopology::of, (m, v) -> BatchObserver.NONE);
  }

  @Override
  public ServedVersion load(String modelName, ModelConfig config, VersionEntry entry)
      throws LoadException {
    if (entry.problem() != null) {
      throw new IllegalArgumentException("the registry loads only entries without a problem");
    }
    long start = System.nanoTime();
    String label = modelName + " v" + entry.version();
    List<Device> devices = plan(config, entry);
    Map<Device, ZooModel<NDList, NDList>> models = new LinkedHashMap<>();
    BatchTranslator translator = null;
    try {
      for (Device d : devices) {
        if (!models.containsKey(d)) {
          models.put(d, loadModel(entry, d, engineOptions(config, entry, devices, d)));
        }
      }
      if (Engines.PYTORCH.equals(entry.engine())) {
        EngineThreads.reportTorch();
      }
      translator = Translators.create(config, entry, models.values().iterator().next());
      Batcher<InferenceRequest> batcher = new Batcher<>(label, policy(config));
      WorkerPool<InferenceRequest> pool =
          new WorkerPool<>(label, batcher, observers.apply(modelName, entry.version()));
      start(pool, runners(devices, models, translator));
      log.info(
          "{}: READY on {} in {} ms",
          label,
          devices,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      return new DjlServedVersion(
          modelName,
          entry,
          config,
          translator,
          new ArrayList<>(models.values()),
          devices,
          batcher,
          pool);
    } catch (LoadException e) {
      closeAll(translator, models);
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeAll(translator, models);
      throw new LoadException("interrupted while loading", e);
    } catch (RuntimeException e) {
      closeAll(translator, models);
      throw new LoadException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
    }
  }

  private List<Device> plan(ModelConfig config, VersionEntry entry) throws LoadException {
    try {
      return PlacementPlanner.plan(config.getInstanceGroupList(), topologies.apply(entry.engine()));
    } catch (PlacementException e) {
      throw new LoadException(e.getMessage(), e);
    }
  }

  /** One runner per placed instance; instances on one device share its loaded model. */
  private static List<BatchRunner.Factory<InferenceRequest>> runners(
      List<Device> devices,
      Map<Device, ZooModel<NDList, NDList>> models,
      BatchTranslator translator) {
    List<BatchRunner.Factory<InferenceRequest>> factories = new ArrayList<>();
    for (Device d : devices) {
      ZooModel<NDList, NDList> model = models.get(d);
      String device = d.toString();
      factories.add(
          () ->
              new PredictorRunner(
                  model.newPredictor(new DjlBatchTranslator(translator)), translator, device));
    }
    return factories;
  }

  /** Starts every worker and waits for each one's warm-up; one failure drains them all. */
  private static void start(
      WorkerPool<InferenceRequest> pool, List<BatchRunner.Factory<InferenceRequest>> factories)
      throws LoadException, InterruptedException {
    try {
      pool.start(factories).get();
    } catch (ExecutionException e) {
      pool.drain(Duration.ofSeconds(10));
      Throwable cause = e.getCause();
      throw new LoadException(
          "warm-up failed: " + (cause.getMessage() == null ? cause.toString() : cause.getMessage()),
          cause);
    }
  }

  @Override
  public void unload(ServedVersion version, Duration grace) {
    version.unload(grace);
  }

  static ZooModel<NDList, NDList> loadModel(
      VersionEntry entry, Device device, Map<String, String> options) throws LoadException {
    Criteria<NDList, NDList> criteria =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optModelPath(entry.modelFile())
            .optEngine(entry.engine())
            .optDevice(device)
            .optOptions(options)
            .optTranslator(new NoopTranslator())
            .build();
    try {
      if (Engines.ONNX_RUNTIME.equals(entry.engine())
          && options.keySet().stream().anyMatch(k -> k.startsWith(ORT_SESSION_ENTRY))) {
        return loadOrtWithSessionEntries(entry, device, options);
      }
      return criteria.loadModel();
    } catch (ModelNotFoundException
        | MalformedModelException
        | IOException
        | OrtException
        | RuntimeException e) {
      String file =
          entry.dir().getParent().getFileName()
              + "/"
              + entry.version()
              + "/"
              + entry.modelFile().getFileName();
      String why = e.getMessage() == null ? e.toString() : e.getMessage().strip();
      if (why.length() > 400) {
        why = why.substring(0, 400) + "...";
      }
      throw new LoadException(
          file + ": " + entry.engine() + " cannot load it on " + device + ": " + why, e);
    }
  }

  /** engine_options keys with this prefix are ONNX Runtime session config entries. */
  static final String ORT_SESSION_ENTRY = "session.";

  /**
   * ONNX Runtime session config entries (e.g. {@code session.intra_op.allow_spinning}) need a
   * SessionOptions object, which DJL's Criteria (string options only) cannot carry: load the model
   * directly and hand DJL the object; the other options still apply on top of it.
   */
  private static ZooModel<NDList, NDList> loadOrtWithSessionEntries(
      VersionEntry entry, Device device, Map<String, String> options)
      throws IOException, MalformedModelException, OrtException {
    OrtSession.SessionOptions session = new OrtSession.SessionOptions();
    Map<String, Object> rest = new java.util.HashMap<>();
    for (Map.Entry<String, String> o : options.entrySet()) {
      if (o.getKey().startsWith(ORT_SESSION_ENTRY)) {
        session.addConfigEntry(o.getKey(), o.getValue());
      } else {
        rest.put(o.getKey(), o.getValue());
      }
    }
    rest.put("sessionOptions", session);
    Model model =
        Model.newInstance(entry.modelFile().getFileName().toString(), device, entry.engine());
    try {
      model.load(entry.modelFile(), null, rest);
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      throw e;
    }
    return new ZooModel<>(model, new NoopTranslator());
  }

  /**
   * The config's engine_options, plus defaults that keep CPU instances of ONNX Runtime from
   * oversubscribing the cores: each gets cores / instances intra-op threads (ORT's own default is
   * every core per session, which makes instances fight over the same cores), and its threads do
   * not spin while waiting.
   */
  static Map<String, String> engineOptions(
      ModelConfig config, VersionEntry entry, List<Device> devices, Device device) {
    Map<String, String> options = new java.util.HashMap<>(config.getEngineOptionsMap());
    if (Engines.ONNX_RUNTIME.equals(entry.engine()) && !device.isGpu()) {
      if (!options.containsKey("intraOpNumThreads")) {
        long cpuInstances = devices.stream().filter(d -> !d.isGpu()).count();
        int cores = Runtime.getRuntime().availableProcessors();
        options.put("intraOpNumThreads", Integer.toString((int) Math.max(1, cores / cpuInstances)));
      }
      // ORT's intra-op threads spin while they wait for work. In a server the cores are shared
      // with gRPC threads and other models, and the spinning steals them: measured on MiniLM
      // under 32 callers on 2 cores, turning it off gave +19-24 % throughput (in process, alone
      // on the machine, it costs 4 %). Set it to "1" in engine_options to spin again.
      options.putIfAbsent("session.intra_op.allow_spinning", "0");
    }
    return options;
  }

  static BatchPolicy policy(ModelConfig config) {
    DynamicBatching db = config.getDynamicBatching();
    int target =
        db.getPreferredBatchSizeList().stream().mapToInt(Integer::intValue).max().orElse(0);
    return new BatchPolicy(
        config.getMaxBatchSize(),
        TimeUnit.MICROSECONDS.toNanos(db.getMaxQueueDelayMicros()),
        target,
        db.getMaxQueueSize());
  }

  private static void closeAll(BatchTranslator t, Map<Device, ZooModel<NDList, NDList>> models) {
    if (t != null) {
      t.close();
    }
    models.values().forEach(ZooModel::close);
  }

  /** A worker's runner: its own Predictor, warmed up once before it takes traffic. */
  private static final class PredictorRunner implements BatchRunner<InferenceRequest> {
    private final Predictor<List<InferenceRequest>, List<List<HostTensor>>> predictor;
    private final String device;

    PredictorRunner(
        Predictor<List<InferenceRequest>, List<List<HostTensor>>> predictor,
        BatchTranslator t,
        String device)
        throws Exception {
      this.predictor = predictor;
      this.device = device;
      try {
        InferenceRequest warmup =
            new InferenceRequest(t.warmupRequest(), InferenceRequest.NO_DEADLINE, () -> false);
        run(List.of(warmup));
        warmup.result().getNow(null);
      } catch (Exception e) {
        predictor.close();
        throw e;
      }
    }

    @Override
    public void run(List<InferenceRequest> batch) throws Exception {
      run(batch, () -> {});
    }

    @Override
    public void run(List<InferenceRequest> batch, Runnable computed) throws Exception {
      int rows = 0;
      for (InferenceRequest r : batch) {
        rows += r.rows();
      }
      for (InferenceRequest r : batch) {
        r.batchStarted(batch.size(), rows, device);
      }
      List<List<HostTensor>> results = predictor.predict(batch);
      computed.run(); // the batch's metrics before its answers
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).complete(results.get(i));
      }
    }

    @Override
    public void close() {
      predictor.close();
    }
  }
}
