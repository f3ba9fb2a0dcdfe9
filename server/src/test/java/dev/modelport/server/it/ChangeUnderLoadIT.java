package dev.modelport.server.it;

import static org.assertj.core.api.Assertions.assertThat;

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
 * config, ten times over: no failed call, and every answer comes from a version that was READY.
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

  static void reload() {
    fx.models().reloadModel(ReloadModelRequest.newBuilder().setModelName("iris").build());
  }

  @Test
  void tenRoundsOfReloads_underLoad_failNoCall() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
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
        reload(); // add version 2, which becomes the default
        store.write("iris/3/model.onnx", "broken");
        reload(); // version 3 fails to load; 2 stays the default
        store.delete("iris/3");
        store.delete("iris/2");
        reload(); // remove version 2 while callers are on it
        store.write(
            "iris/config.pbtxt",
            TempStore.irisConfig("version_policy { all {} }\n")
                .replace(
                    "max_batch_size: 64",
                    round % 2 == 0 ? "max_batch_size: 32" : "max_batch_size: 64"));
        reload(); // config change: version 1 reloads and is swapped under the callers
      }
    } finally {
      running.set(false);
      for (Thread t : callers) {
        t.join();
      }
    }
    assertThat(failures).isEmpty();
    assertThat(ok.get()).isGreaterThan(1000);
    System.out.println("ChangeUnderLoadIT: " + ok.get() + " calls, 40 reloads, 0 failures");
  }
}
