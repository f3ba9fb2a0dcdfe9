import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fails CI when the unit tests kill too few mutants. Reads PIT's mutations.xml of each module
 * (written by `mvn -Pmutation ...`, see .ci/run) and checks the mutation score — killed (or timed
 * out) over all mutants, NO_COVERAGE counted as survivors — per module and per package against the
 * table below. Run with `java .ci/MutationThresholds.java` from the repository root (Java 11+
 * single-file launch; no build needed).
 */
public class MutationThresholds {
  /** Module report → minimum score for the whole module. */
  static final Map<String, Integer> MODULES = new LinkedHashMap<>();

  /** Package → minimum score. */
  static final Map<String, Integer> PACKAGES = new LinkedHashMap<>();

  static {
    MODULES.put("model-store/target/pit-reports/mutations.xml", 80);
    // Issue 11's goal, met in session 5: measured 79 % once the runtime got unit tests on the
    // real engines (DirectRunnerTest). docs/testing.md has the per-package scores.
    MODULES.put("server/target/pit-reports/mutations.xml", 70);
    // The client is reworked by issue 13; measured 59 %.
    MODULES.put("client/target/pit-reports/mutations.xml", 55);
    for (String p :
        new String[] {
          "batching", "tensor", "registry", "errors", "placement", "security", "grpc", "tracing"
        }) {
      PACKAGES.put("dev.modelport.server." + p, 80);
    }
    // measured 77 %, 80 % and 76 % in session 5 (7 %, 53 %, 50 % before their unit tests)
    PACKAGES.put("dev.modelport.server.runtime", 70);
    PACKAGES.put("dev.modelport.server.metrics", 70);
    PACKAGES.put("dev.modelport.server.logging", 70);
  }

  static final Pattern MUTATION =
      Pattern.compile("<mutation detected='(true|false)' status='([A-Z_]+)'.*?<mutatedClass>([^<]+)</mutatedClass>");

  public static void main(String[] args) throws Exception {
    boolean ok = true;
    Map<String, int[]> byPackage = new TreeMap<>();
    for (Map.Entry<String, Integer> m : MODULES.entrySet()) {
      Path report = Path.of(m.getKey());
      if (!Files.isRegularFile(report)) {
        System.out.println("MISSING " + report + ": did the mutation run happen?");
        ok = false;
        continue;
      }
      int[] module = new int[2];
      Matcher x = MUTATION.matcher(Files.readString(report));
      while (x.find()) {
        boolean killed = x.group(1).equals("true");
        String cls = x.group(3);
        String pkg = cls.substring(0, cls.lastIndexOf('.'));
        int[] counts = byPackage.computeIfAbsent(pkg, k -> new int[2]);
        counts[0] += killed ? 1 : 0;
        counts[1]++;
        module[0] += killed ? 1 : 0;
        module[1]++;
      }
      ok &= check(m.getKey(), module, m.getValue());
    }
    for (Map.Entry<String, int[]> p : byPackage.entrySet()) {
      Integer min = PACKAGES.get(p.getKey());
      ok &= check(p.getKey(), p.getValue(), min == null ? 0 : min);
    }
    for (String p : PACKAGES.keySet()) {
      if (!byPackage.containsKey(p)) {
        System.out.println("MISSING package " + p + " in the reports");
        ok = false;
      }
    }
    System.out.println(ok ? "mutation thresholds: met" : "mutation thresholds: NOT met");
    System.exit(ok ? 0 : 1);
  }

  static boolean check(String what, int[] counts, int min) {
    int score = counts[1] == 0 ? 100 : (int) Math.floor(100.0 * counts[0] / counts[1]);
    boolean ok = score >= min;
    System.out.printf(
        "%-4s %-50s %4d / %4d killed = %3d %% (min %d %%)%n",
        ok ? "ok" : "LOW", what, counts[0], counts[1], score, min);
    return ok;
  }
}
