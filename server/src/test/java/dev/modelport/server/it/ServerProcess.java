package dev.modelport.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code java -jar modelport-server.jar} as a child process, as users start it. */
final class ServerProcess implements AutoCloseable {
  final Process process;
  final int port;
  private final StringBuilder log = new StringBuilder();
  private final Thread reader;

  ServerProcess(Map<String, String> env, String... args) throws Exception {
    this("SERVING after", env, args);
  }

  /** As above, returning once the log has printed a line with {@code ready} (and the port). */
  ServerProcess(String ready, Map<String, String> env, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                System.getProperty("modelport.serverJar")));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    process = pb.start();
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  lines.add(line);
                  synchronized (log) {
                    log.append(line).append('\n');
                  }
                }
              } catch (Exception e) {
                // the process ended
              }
            });
    reader.start();
    int found = -1;
    Pattern listening = Pattern.compile("listening on port (\\d+)");
    while (true) {
      String line = lines.poll(90, TimeUnit.SECONDS);
      assertThat(line).as("server log line (so far:\n%s)", log()).isNotNull();
      Matcher m = listening.matcher(line);
      if (m.find()) {
        found = Integer.parseInt(m.group(1));
      }
      if (found > 0 && line.contains(ready)) {
        break;
      }
    }
    port = found;
  }

  String log() {
    synchronized (log) {
      return log.toString();
    }
  }

  /** SIGTERM via kill(1): Process.destroy() would also close our end of its output. */
  void sigterm() throws Exception {
    assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor())
        .isZero();
  }

  /** Waits for the exit and the last log line; returns the exit code. */
  int awaitExit() throws Exception {
    assertThat(process.waitFor(90, TimeUnit.SECONDS)).as(log()).isTrue();
    reader.join();
    return process.exitValue();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
