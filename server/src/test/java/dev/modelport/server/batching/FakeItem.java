package dev.modelport.server.batching;

import dev.modelport.server.errors.ModelportException;
import java.util.concurrent.CompletableFuture;

/** A queued request with no tensors: rows, a result future, and a settable drop reason. */
final class FakeItem implements BatchItem {
  final String id;
  final int rows;
  final CompletableFuture<String> result = new CompletableFuture<>();
  volatile ModelportException dropReason;
  Object key;

  FakeItem(String id, int rows) {
    this.id = id;
    this.rows = rows;
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public ModelportException dropReason() {
    return dropReason;
  }

  @Override
  public Object batchKey() {
    return key;
  }

  @Override
  public boolean isDone() {
    return result.isDone();
  }

  @Override
  public void fail(Throwable error) {
    result.completeExceptionally(error);
  }
}
