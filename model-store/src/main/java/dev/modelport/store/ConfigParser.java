package dev.modelport.store;

import com.google.protobuf.TextFormat;
import dev.modelport.v1.ModelConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a {@code config.pbtxt} (protobuf text format of {@link ModelConfig}). Syntax errors,
 * unknown fields and wrong value types come back as a {@link StoreException} whose message starts
 * with {@code file:line:column}.
 */
public final class ConfigParser {
  /** Hand-written files stay small; anything bigger is a mistake, not a config. */
  static final long MAX_CONFIG_BYTES = 1 << 20;

  private static final TextFormat.Parser PARSER = TextFormat.Parser.newBuilder().build();

  private ConfigParser() {}

  /** Parses {@code file}; {@code displayName} is how the file is named in error messages. */
  public static ModelConfig parse(Path file, String displayName) throws StoreException {
    String text;
    try {
      if (Files.size(file) > MAX_CONFIG_BYTES) {
        throw new StoreException(
            displayName + ": " + Files.size(file) + " bytes; expected at most " + MAX_CONFIG_BYTES);
      }
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new StoreException(displayName + ": cannot read: " + e.getMessage(), e);
    }
    return parse(text, displayName);
  }

  /** Parses config text; {@code displayName} is how the text is named in error messages. */
  public static ModelConfig parse(CharSequence text, String displayName) throws StoreException {
    ModelConfig.Builder builder = ModelConfig.newBuilder();
    try {
      PARSER.merge(text, builder);
    } catch (TextFormat.ParseException e) {
      // ParseException's own message already starts with "line:column: ".
      throw new StoreException(displayName + ":" + e.getMessage(), e);
    }
    return builder.build();
  }
}
