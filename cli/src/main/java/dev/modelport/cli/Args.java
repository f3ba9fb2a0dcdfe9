package dev.modelport.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --key value}, {@code --key=value}, boolean {@code --flag}s, and positionals. */
public final class Args {
  final List<String> positional = new ArrayList<>();
  private final Map<String, List<String>> options = new HashMap<>();

  public static Args parse(String[] argv, Set<String> flags) {
    Args a = new Args();
    for (int i = 0; i < argv.length; i++) {
      String s = argv[i];
      if (!s.startsWith("--")) {
        a.positional.add(s);
        continue;
      }
      String key = s.substring(2);
      String value;
      int eq = key.indexOf('=');
      if (eq >= 0) {
        value = key.substring(eq + 1);
        key = key.substring(0, eq);
      } else if (flags.contains(key)) {
        value = "true";
      } else if (i + 1 < argv.length) {
        value = argv[++i];
      } else {
        throw new IllegalArgumentException("--" + key + ": missing value");
      }
      a.options.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
    return a;
  }

  public String get(String key, String dflt) {
    List<String> v = options.get(key);
    return v == null ? dflt : v.get(v.size() - 1);
  }

  public List<String> all(String key) {
    return options.getOrDefault(key, List.of());
  }

  public boolean flag(String key) {
    return Boolean.parseBoolean(get(key, "false"));
  }

  public int integer(String key, int dflt) {
    String v = get(key, null);
    try {
      return v == null ? dflt : Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + ": \"" + v + "\" is not a whole number");
    }
  }
}
