package dev.modelport.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.server.testing.TempStore;
import dev.modelport.v1.ReloadModelRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 32 callers while ReloadModel adds a version, loads a broken one, removes one and changes the
 * config, ten times over: no failed call, every answer comes from a version that was READY, each
 * ReloadModel answer shows the states the store asks for, and callers are answered by the new
 * version after it is added. Seen failing with ReloadModel doing nothing (the registry's reload
 * returning at once): the first status check fails (no version 2), and without that check the wait
 * for answers from version 2 does.
 */
class ChangeUnderLoadIT {
  static TempStore store;
  static ServerFixture fx;

  @BeforeAll
  static void start() throws Exception {
    store = new TempStore().copy("iris", "iris");
    store.write("iris/config.pbtxt", TempStore.irisConfig("version_policy { all {} }\n"));
    fx = new ServerFixture(store.root);
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  static dev.modelport.v1.ModelStatus reload() {
    return fx.models()
        .reloadModel(ReloadModelRequest.newBuilder().setModelName("iris").build())
        .getModels(0);
  }

  static String states(dev.modelport.v1.ModelStatus s) {
    StringBuilder b = new StringBuilder();
    for (var v : s.getVersionsList()) {
      if (v.getState() != dev.modelport.v1.ModelState.MODEL_STATE_UNLOADING) {
        b.append(b.length() == 0 ? "" : " ")
            .append(v.getVersion())
            .append(':')
            .append(v.getState().name().replace("MODEL_STATE_", ""));
      }
    }
    return b.toString();
  }

  /** Waits (bounded) until the callers have had {@code more} answers from {@code version}. */
  static void awaitAnswersFrom(
      java.util.Map<String, AtomicInteger> byVersion, String version, int more) {
    int start = byVersion.computeIfAbsent(version, k -> new AtomicInteger()).get();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (byVersion.get(version).get() < start + more) {
      assertThat(System.nanoTime()).as("answers from version " + version).isLessThan(deadline);
      java.util.concurrent.locks.LockSupport.parkNanos(
          100_000); // poll; a spin would take the core the awaited thread needs
    }
  }

  @Test
  void tenRoundsOfReloads_underLoad_failNoCall() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    java.util.Map<String, AtomicInteger> byVersion = new java.util.concurrent.ConcurrentHashMap<>();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    List<Thread> callers = new ArrayList<>();
    for (int c = 0; c < 32; c++) {
      boolean pinned = c % 4 == 0; // some callers ask for version 1 explicitly
      Thread t =
          new Thread(
              () -> {
                var stub = fx.inference();
                while (running.get()) {
                  try {
                    var req =
                        Requests.iris("iris", Requests.CLASSIC_IRIS).toBuilder()
                            .setModelVersion(pinned ? "1" : "")
                            .build();
                    String v =
                        stub.withDeadlineAfter(30, TimeUnit.SECONDS).predict(req).getModelVersion();
                    if (!Set.of("1", "2").contains(v) || (pinned && !v.equals("1"))) {
                      failures.add("answered by version " + v);
                    }
                    byVersion.computeIfAbsent(v, k -> new AtomicInteger()).incrementAndGet();
                    ok.incrementAndGet();
                  } catch (RuntimeException e) {
                    failures.add(e.toString());
                  }
                }
              });
      callers.add(t);
      t.start();
    }
    try {
      for (int round = 0; round < 10; round++) {
        store.copyFile("iris/1/model.onnx", "iris/2/model.onnx");
        var added = reload(); // add version 2, which becomes the default
        assertThat(added.getDefaultVersion()).isEqualTo("2");
        assertThat(states(added)).isEqualTo("1:READY 2:READY");
        awaitAnswersFrom(byVersion, "2", 50); // fails if ReloadModel did nothing
        store.write("iris/3/model.onnx", "broken");
        var broken = reload(); // version 3 fails to load; 2 stays the default
        assertThat(broken.getDefaultVersion()).isEqualTo("2");
        assertThat(states(broken)).isEqualTo("1:READY 2:READY 3:FAILED");
        store.delete("iris/3");
        store.delete("iris/2");
        var removed = reload(); // remove version 2 while callers are on it
        assertThat(removed.getDefaultVersion()).isEqualTo("1");
        assertThat(states(removed)).isEqualTo("1:READY");
        int batch = round % 2 == 0 ? 32 : 64;
        store.write(
            "iris/config.pbtxt",
            TempStore.irisConfig("version_policy { all {} }\n")
                .replace("max_batch_size: 64", "max_batch_size: " + batch));
        var changed = reload(); // config change: version 1 reloads and is swapped under the callers
        assertThat(changed.getMaxBatchSize()).isEqualTo(batch);
        awaitAnswersFrom(byVersion, "1", 50);
      }
    } finally {
      running.set(false);
      for (Thread t : callers) {
        t.join();
      }
    }
    assertThat(failures).isEmpty();
    System.out.println(
        "ChangeUnderLoadIT: "
            + ok.get()
            + " calls, 40 reloads, 0 failures, by version "
            + byVersion);
  }
}
