package dev.modelport.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Texts are cut to the byte bound before tokenizing, never inside a UTF-8 character. */
class TextCutTest {
  private static String cut(String text, int maxBytes) {
    return TextEmbeddingTranslator.cut(ByteString.copyFromUtf8(text), maxBytes);
  }

  @Test
  void shortTexts_areUntouched() {
    assertThat(cut("hello", 5)).isEqualTo("hello");
    assertThat(cut("", 1)).isEmpty();
  }

  @Test
  void longTexts_keepTheirFirstMaxBytes() {
    assertThat(cut("hello world", 5)).isEqualTo("hello");
    assertThat(cut("x".repeat(2_000_000), 16_384)).hasSize(16_384);
  }

  @Test
  void aCutNeverSplitsACharacter() {
    // "é" is 2 bytes, "€" 3, "😀" 4: a cut inside any of them drops the whole character.
    assertThat(cut("aé", 2)).isEqualTo("a");
    assertThat(cut("aé", 3)).isEqualTo("aé");
    assertThat(cut("a€b", 2)).isEqualTo("a");
    assertThat(cut("a€b", 3)).isEqualTo("a");
    assertThat(cut("a€b", 4)).isEqualTo("a€");
    assertThat(cut("😀😀", 7)).isEqualTo("😀");
    for (int n = 1; n <= 8; n++) {
      String out = cut("é€😀", n);
      assertThat(out.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(n);
      assertThat("é€😀").startsWith(out);
    }
  }
}
