package dev.modelport.server.runtime;

import dev.modelport.store.VersionEntry;
import dev.modelport.v1.ModelConfig;
import java.time.Duration;

/**
 * Loads and unloads model versions for the registry: the registry's only way to touch engines. A
 * fake implementation drives every registry transition in unit tests (succeed, fail, or block until
 * released), as TF Serving's {@code FakeLoader} does for its manager.
 */
public interface Loader {
  /**
   * Loads, places and warms up one version, returning it ready to take requests. Blocks for as long
   * as that takes (seconds for real engines); the registry calls it off the request path.
   *
   * @param entry a version the store resolved without a problem
   * @throws LoadException with a message that names the file and what went wrong
   */
  ServedVersion load(String modelName, ModelConfig config, VersionEntry entry) throws LoadException;

  /**
   * Drains {@code version} (queued requests finish, up to {@code grace}) and frees it. Blocks until
   * done; the registry calls it on a background thread once no request can reach the version.
   */
  void unload(ServedVersion version, Duration grace);
}
