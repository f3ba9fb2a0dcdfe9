package dev.modelport.server.runtime;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PyTorch's thread pools, set before the engine starts.
 *
 * <p>Unlike ONNX Runtime, whose intra-op threads belong to each session (see {@link
 * VersionLoader#engineOptions}), PyTorch has <b>one intra-op pool and one inter-op pool per
 * process</b>, shared by every TorchScript instance (CPU ops only; CUDA kernels do not use them).
 * Its intra-op pool is OpenMP, whose idle threads spin for a while after each parallel region, and
 * the spin wait can only be turned off by an environment variable read when the library loads
 * ({@code OMP_WAIT_POLICY=PASSIVE}), which a JVM cannot set for itself. On 2 cores, with the
 * default of one intra-op thread per core, the spinning threads took the cores the gRPC and worker
 * threads needed: iris-mlp at 32 callers gave 4.5–6.1k req/s, p99 31–32 ms; with one intra-op
 * thread 10.4–15.7k req/s, p99 8–11 ms (alternating runs, BENCHMARKS.md, "PyTorch threads").
 * Parallelism across requests comes from instances and batching instead. So the default is one
 * intra-op and one inter-op thread; {@code --torch-threads} raises it (with {@code
 * OMP_WAIT_POLICY=PASSIVE} in the environment, as the container image sets it), and an explicit
 * {@code -Dai.djl.pytorch.*} wins over the default.
 */
public final class EngineThreads {
  private static final Logger log = LoggerFactory.getLogger(EngineThreads.class);

  /** DJL reads these when the PyTorch engine starts. */
  static final String TORCH_INTRA_OP = "ai.djl.pytorch.num_threads";

  static final String TORCH_INTER_OP = "ai.djl.pytorch.num_interop_threads";

  static final int DEFAULT_TORCH_THREADS = 1;

  private static final AtomicBoolean reported = new AtomicBoolean();

  private EngineThreads() {}

  /**
   * The DJL system properties to set: {@code intraOp} / {@code interOp} when given (&gt; 0), else
   * the default unless the property is already set.
   */
  static Map<String, String> torchProperties(int intraOp, int interOp, Properties current) {
    Map<String, String> out = new LinkedHashMap<>();
    choose(out, TORCH_INTRA_OP, intraOp, current);
    choose(out, TORCH_INTER_OP, interOp, current);
    return out;
  }

  private static void choose(Map<String, String> out, String key, int given, Properties current) {
    if (given > 0) {
      out.put(key, Integer.toString(given));
    } else if (current.getProperty(key) == null) {
      out.put(key, Integer.toString(DEFAULT_TORCH_THREADS));
    }
  }

  /**
   * Sets PyTorch's pools (0 = the default) for an engine not yet started; call before the first
   * TorchScript model loads.
   */
  public static void configureTorch(int intraOp, int interOp) {
    torchProperties(intraOp, interOp, System.getProperties()).forEach(System::setProperty);
  }

  /** Logs, once, the pool sizes the PyTorch engine really uses. Call after it has started. */
  static void reportTorch() {
    if (reported.compareAndSet(false, true)) {
      log.info(
          "PyTorch: {} intra-op thread(s), {} inter-op thread(s) (--torch-threads)",
          ai.djl.pytorch.jni.JniUtils.getNumThreads(),
          ai.djl.pytorch.jni.JniUtils.getNumInteropThreads());
    }
  }
}
