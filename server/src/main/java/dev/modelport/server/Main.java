package dev.modelport.server;

import dev.modelport.server.admission.Admission;
import dev.modelport.server.metrics.MetricsHttpServer;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.server.runtime.EngineThreads;
import dev.modelport.server.runtime.VersionLoader;
import dev.modelport.server.security.AuthInterceptor;
import dev.modelport.server.security.TokenStore;
import dev.modelport.server.tracing.Tracing;
import dev.modelport.store.ModelStore;
import dev.modelport.v1.ModelState;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.ModelVersionStatus;
import io.grpc.ServerInterceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * {@code java -jar server/target/modelport-server.jar --port 8500 --metrics-port 9500 --model-store
 * DIR}. SIGTERM (and Ctrl-C) turn health NOT_SERVING, let requests in flight finish, then exit 0.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws Exception {
    defaultSystemProperty("ai.djl.offline", "true");
    defaultSystemProperty("ai.djl.onnx.disable_alternative", "true");
    // Netty's default leak detection records a stack trace for one buffer in 128: 2.5 % of the
    // server's CPU at iris 64 callers (BENCHMARKS.md, "The hop before the transport thread"), for
    // leaks that would be
    // grpc-java's own (modelport never holds a Netty buffer). -D...leakDetection.level turns it on.
    defaultSystemProperty("io.grpc.netty.shaded.io.netty.leakDetection.level", "disabled");
    ServerOptions options;
    try {
      options = ServerOptions.parse(args, System.getenv());
    } catch (ServerOptions.UsageException e) {
      if (!e.getMessage().isEmpty()) {
        System.err.println("modelport: " + e.getMessage());
      }
      System.err.print(ServerOptions.usage());
      System.exit(e.getMessage().isEmpty() ? 0 : 2);
      return;
    }
    dev.modelport.server.logging.Logging.configure(options.logFormat(), options.logLevel());
    EngineThreads.configureTorch(options.torchThreads(), options.torchInteropThreads());
    if (options.checkStore()) {
      System.exit(checkStore(options));
      return;
    }
    try {
      serve(options);
    } catch (java.io.IOException | dev.modelport.store.StoreException e) {
      // a port in use, an unreadable certificate or token file, a store that cannot be opened
      log.error("cannot start: {}", e.toString());
      System.err.println("modelport: cannot start: " + e.getMessage());
      System.exit(1);
    }
  }

  private static void serve(ServerOptions options) throws Exception {
    long started = System.nanoTime();
    List<ServerInterceptor> interceptors = new ArrayList<>();
    if (options.authTokens() != null) {
      TokenStore tokens = TokenStore.load(options.authTokens());
      interceptors.add(new AuthInterceptor(tokens));
      log.info("authentication on: {} token(s) from {}", tokens.size(), options.authTokens());
    }
    if (options.accessLog()) {
      // last in the list = outermost: it also sees calls that authentication refuses
      interceptors.add(new dev.modelport.server.logging.AccessLog());
    }
    Tracing tracing = Tracing.configure(options.otel(), System.getenv());
    ModelportServer server =
        ModelportServer.builder()
            .listeners(Listeners.from(options))
            .store(openStore(options))
            .drainGrace(options.drainGrace())
            .interceptors(interceptors)
            .admission(Admission.of(options.requestMemoryPercent(), options.maxMessageBytes()))
            .tracing(tracing)
            .warmup(options.warmup())
            .build();
    ModelRegistry registry = server.registry();
    MetricsHttpServer metricsHttp = new MetricsHttpServer(options.metricsPort(), server.metrics());
    log.info("Prometheus metrics on port {} at /metrics", metricsHttp.port());
    Runnable stopAndExit =
        () -> {
          server.stop();
          metricsHttp.close();
          System.exit(0);
        };
    for (String sig : new String[] {"TERM", "INT"}) {
      Signal.handle(
          new Signal(sig),
          s -> {
            // Not a daemon (the signal thread is one, and would pass that on): the JVM must wait
            // for the drain, not exit when main returns.
            Thread t = new Thread(stopAndExit, "modelport-shutdown");
            t.setDaemon(false);
            t.start();
          });
    }
    if (options.modelDir() != null) {
      log.info(
          "single model \"{}\" from {}",
          options.modelName(),
          options.modelDir().toAbsolutePath().normalize());
    } else {
      log.info("model store: {}", options.modelStore().toAbsolutePath().normalize());
    }
    server.start();
    log.info(
        "SERVING after {} ms: {}",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        registry.readiness());
    server.awaitTermination();
  }

  /** Loads every model once, prints each version's state, unloads: 0 when all are READY. */
  static int checkStore(ServerOptions options) throws Exception {
    ModelRegistry registry =
        new ModelRegistry(
            openStore(options), VersionLoader.forThisMachine(), java.time.Duration.ofSeconds(5));
    boolean allReady = true;
    for (ModelStatus m : registry.reload("")) {
      if (!m.getMessage().isEmpty()) {
        allReady = false;
        System.out.println(m.getName() + ": " + m.getMessage());
      }
      for (ModelVersionStatus v : m.getVersionsList()) {
        allReady &= v.getState() == ModelState.MODEL_STATE_READY;
        System.out.println(
            m.getName()
                + " v"
                + v.getVersion()
                + ": "
                + v.getState().name().replace("MODEL_STATE_", "")
                + (v.getMessage().isEmpty() ? "" : " (" + v.getMessage() + ")"));
      }
    }
    registry.close();
    return allReady ? 0 : 1;
  }

  /** The store, or in single-model mode (--model-dir) a store of that one model. */
  static ModelStore openStore(ServerOptions options) throws dev.modelport.store.StoreException {
    return options.modelDir() != null
        ? ModelStore.single(options.modelName(), options.modelDir())
        : ModelStore.open(options.modelStore());
  }

  private static void defaultSystemProperty(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
