package dev.modelport.server.runtime;

/**
 * What tracing learns about one queued request: when its batch began (ending its queue wait) and
 * when it was answered. Plain Java, so the batching and runtime code stay free of the tracing API;
 * {@link #NONE} (tracing off, or the call not sampled) costs nothing.
 */
public interface RequestTrace {
  RequestTrace NONE =
      new RequestTrace() {
        @Override
        public void batchStarted(int requests, int rows, String device) {}

        @Override
        public void finished(Throwable error) {}
      };

  /**
   * The request's batch is about to run: {@code requests} requests of {@code rows} rows in all, on
   * {@code device}. Called on the worker thread, at most once.
   */
  void batchStarted(int requests, int rows, String device);

  /** The request was answered ({@code error} null) or failed; called once, before the answer. */
  void finished(Throwable error);
}
