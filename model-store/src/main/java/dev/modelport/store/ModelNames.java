package dev.modelport.store;

import java.util.regex.Pattern;

/**
 * Model names are folder names inside the store, so they must never be able to name anything
 * outside it: no separators, no {@code ..}, no leading dot.
 */
public final class ModelNames {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

  private ModelNames() {}

  /** True when {@code name} is a name the store can hold. */
  public static boolean isValid(String name) {
    return name != null && VALID.matcher(name).matches() && !name.contains("..");
  }

  /** Why {@code name} is not valid, for error messages. */
  public static String describeRule() {
    return "1-128 characters from [A-Za-z0-9_.-], starting with a letter or digit, without '..'";
  }
}
