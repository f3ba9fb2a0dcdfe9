package dev.modelport.server.grpc;

import static dev.modelport.server.errors.ModelportException.invalid;

import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.store.ModelNames;
import dev.modelport.store.StoreException;
import dev.modelport.v1.ModelStatus;
import io.grpc.stub.StreamObserver;
import java.util.List;

/**
 * What the model calls of both APIs share (ModelService, and OIP's readiness, metadata, statistics
 * and repository calls): one unary answer path, one reload path, one name rule.
 */
final class ModelCalls {
  private ModelCalls() {}

  /** A unary call's body: its answer, or a throw that becomes the call's status. */
  interface Body<T> {
    T get() throws Exception;
  }

  /** Strict parsing of {@code request}, then {@code body}'s answer or its failure as a status. */
  static <T> void answer(StreamObserver<T> out, Body<T> body, com.google.protobuf.Message request) {
    T answer;
    try {
      StrictRequestParsing.check(request);
      answer = body.get();
    } catch (Throwable t) {
      out.onError(StatusMapping.toException(t));
      return;
    }
    out.onNext(answer);
    out.onCompleted();
  }

  /**
   * Makes the server match its store for {@code name} ("" = every model); blocks until the versions
   * are READY or FAILED. A store that cannot be read is UNAVAILABLE.
   */
  static List<ModelStatus> reload(ModelRegistry registry, String name) {
    try {
      return registry.reload(name);
    } catch (StoreException e) {
      throw ModelportException.unavailable("model store: " + e.getMessage());
    }
  }

  /** {@code name} if the store could hold it ({@link ModelNames}); else INVALID_ARGUMENT. */
  static String checkName(String name) {
    if (!ModelNames.isValid(name)) {
      throw invalid(
          "model_name: \"" + name + "\" is not a model name (" + ModelNames.describeRule() + ")");
    }
    return name;
  }
}
