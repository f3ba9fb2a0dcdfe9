package dev.modelport.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The dependency sentences of docs/architecture.md and the package-info files, checked against the
 * sources: which packages use gRPC, gRPC's server classes and DJL (in imports or qualified names,
 * not in strings or comments).
 */
class PackageRulesTest {
  private static final Path MAIN = Path.of("src/main/java/dev/modelport/server");
  private static final Pattern GRPC = Pattern.compile("\\bio\\.grpc\\.");
  private static final Pattern GRPC_SERVER =
      Pattern.compile(
          "\\bio\\.grpc\\.(Server\\w*|ForwardingServer\\w*|netty\\.\\w+\\.NettyServer\\w*|stub\\.Server\\w*)\\b");
  private static final Pattern DJL = Pattern.compile("\\bai\\.djl\\.");

  /** Package ("" = the wiring) → the code of its classes, strings and comments removed. */
  private static Map<String, String> code() throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String pkg = MAIN.relativize(f.getParent()).toString().replace('/', '.');
        String text =
            Files.readString(f)
                .replaceAll("(?s)/\\*.*?\\*/", "")
                .replaceAll("\"\"\"(?s).*?\"\"\"", "\"\"")
                .replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
                .replaceAll("//[^\n]*", "");
        out.merge(pkg, text, String::concat);
      }
    }
    return out;
  }

  private static List<String> using(Pattern p) throws IOException {
    return code().entrySet().stream()
        .filter(e -> p.matcher(e.getValue()).find())
        .map(Map.Entry::getKey)
        .toList();
  }

  @Test
  void theDomainPackages_knowNoTransport() throws IOException {
    assertThat(using(GRPC)).containsExactlyInAnyOrder("", "grpc", "logging", "security", "tracing");
  }

  @Test
  void grpcServerClasses_areUsedByTheFrontEndItsInterceptorsAndTheWiring() throws IOException {
    assertThat(using(GRPC_SERVER))
        .containsExactlyInAnyOrder("", "grpc", "logging", "security", "tracing");
  }

  @Test
  void djl_isUsedByTheRuntimeAndPlacementOnly() throws IOException {
    assertThat(using(DJL)).containsExactlyInAnyOrder("placement", "runtime");
  }
}
