package dev.modelport.server.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The tokens of {@code --auth-tokens FILE}: one per line, optionally followed by a role ({@code
 * user}, the default, or {@code admin}); blank lines and {@code #} comments are skipped. Only
 * SHA-256 digests are kept, every lookup compares against every entry in constant time, and no
 * token ever reaches a log or an error message.
 */
public final class TokenStore {
  /** What a token may do. */
  public enum Role {
    USER,
    ADMIN
  }

  private record Entry(byte[] digest, Role role) {}

  private final List<Entry> entries;

  private TokenStore(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  public static TokenStore load(Path file) throws IOException {
    List<Entry> entries = new ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      if (parts.length > 2) {
        throw new IOException(file + ":" + (i + 1) + ": expected TOKEN [user|admin]");
      }
      Role role = Role.USER;
      if (parts.length == 2) {
        try {
          role = Role.valueOf(parts[1].toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new IOException(
              file + ":" + (i + 1) + ": role \"" + parts[1] + "\"; expected user or admin");
        }
      }
      if (parts[0].length() < 16) {
        throw new IOException(file + ":" + (i + 1) + ": token shorter than 16 characters");
      }
      entries.add(new Entry(digest(parts[0]), role));
    }
    if (entries.isEmpty()) {
      throw new IOException(file + ": no tokens");
    }
    return new TokenStore(entries);
  }

  /** The role of {@code token}, if it is one of ours. Takes the same time whatever the answer. */
  public Optional<Role> roleOf(String token) {
    byte[] d = digest(token);
    Role found = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.digest(), d) && found == null) {
        found = e.role();
      }
    }
    return Optional.ofNullable(found);
  }

  public int size() {
    return entries.size();
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
