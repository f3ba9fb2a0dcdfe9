package dev.modelport.cli.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.modelport.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code perf --in-process} from this module, where the server's engines are on the path. */
class InProcessPerfIT {
  @Test
  void inProcess_runsTheModelDirectly_andCountsRows() throws Exception {
    Path store = Path.of(System.getProperty("modelport.defaultStore"));
    Path json = Files.createTempFile("perf", ".json");
    int code =
        Main.run(
            "perf",
            "--model",
            "all-minilm-l6-v2",
            "--in-process",
            "--store",
            store.toString(),
            "--rows",
            "4",
            "--warmup",
            "0",
            "--requests",
            "5",
            "--json",
            json.toString());
    assertThat(code).isZero();
    JsonObject direct =
        JsonParser.parseString(Files.readString(json)).getAsJsonArray().get(0).getAsJsonObject();
    assertThat(direct.get("target").getAsString()).isEqualTo("in-process");
    assertThat(direct.get("requests").getAsLong()).isEqualTo(5);
    assertThat(direct.get("failed").getAsLong()).isZero();
    assertThat(direct.get("rows_per_second").getAsDouble())
        .isEqualTo(4 * direct.get("requests_per_second").getAsDouble(), within(0.5));
  }
}
