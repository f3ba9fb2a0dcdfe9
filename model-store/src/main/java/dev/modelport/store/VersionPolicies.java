package dev.modelport.store;

import dev.modelport.v1.VersionPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/** Applies a {@link VersionPolicy} to the version numbers present in a model folder. */
public final class VersionPolicies {
  private VersionPolicies() {}

  /**
   * The versions to serve, ascending. {@code specific} may name versions that are not present: they
   * are returned too, so the caller can report them as failed rather than drop them silently.
   */
  public static List<Long> select(VersionPolicy policy, SortedSet<Long> present) {
    switch (policy.getPolicyChoiceCase()) {
      case ALL:
        return new ArrayList<>(present);
      case SPECIFIC:
        return new ArrayList<>(new TreeSet<>(policy.getSpecific().getVersionsList()));
      case LATEST:
      case POLICYCHOICE_NOT_SET:
      default:
        int n = Math.max(1, policy.getLatest().getNumVersions());
        List<Long> all = new ArrayList<>(present);
        return new ArrayList<>(all.subList(Math.max(0, all.size() - n), all.size()));
    }
  }
}
