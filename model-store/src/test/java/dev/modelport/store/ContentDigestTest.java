package dev.modelport.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Change detection reads content, not metadata. Each test fails when the digest falls back to size
 * and modification time (the old fingerprint) or skips files other than the model.
 */
class ContentDigestTest {
  @TempDir Path store;
  Path version;

  @BeforeEach
  void folder() throws Exception {
    version = Files.createDirectories(store.resolve("m/1"));
    Files.writeString(store.resolve("m/config.pbtxt"), "max_batch_size: 4\n");
    Files.writeString(version.resolve("model.onnx"), "weights-A");
    Files.writeString(version.resolve("tokenizer.json"), "{\"vocab\": 1}");
  }

  private String fingerprint() throws Exception {
    return ModelStore.open(store).read("m").orElseThrow().versions().get(0).fingerprint();
  }

  @Test
  void sameBytes_sameDigest_whateverTheTimestamps() throws Exception {
    String before = fingerprint();
    Files.setLastModifiedTime(version.resolve("model.onnx"), FileTime.fromMillis(1_000));
    assertThat(fingerprint()).isEqualTo(before).hasSize(64);
  }

  @Test
  void modelRewrittenWithSameSizeAndOldTimestamp_isAChange() throws Exception {
    Path model = version.resolve("model.onnx");
    FileTime old = Files.getLastModifiedTime(model);
    String before = fingerprint();
    Files.writeString(model, "weights-B"); // same length
    Files.setLastModifiedTime(model, old);
    assertThat(fingerprint()).isNotEqualTo(before);
  }

  @Test
  void tokenizerRewritten_isAChange() throws Exception {
    String before = fingerprint();
    Files.writeString(version.resolve("tokenizer.json"), "garbage!!!!!");
    assertThat(fingerprint()).isNotEqualTo(before);
  }

  @Test
  void fileAddedOrRenamed_isAChange() throws Exception {
    String before = fingerprint();
    Files.writeString(version.resolve("extra.txt"), "");
    String added = fingerprint();
    assertThat(added).isNotEqualTo(before);
    Files.move(version.resolve("extra.txt"), version.resolve("other.txt"));
    assertThat(fingerprint()).isNotEqualTo(added).isNotEqualTo(before);
  }

  @Test
  void bytesMovedBetweenFiles_isAChange() throws Exception {
    Files.writeString(version.resolve("tokenizer.json"), "ab");
    Files.writeString(version.resolve("z.txt"), "c");
    String before = fingerprint();
    Files.writeString(version.resolve("tokenizer.json"), "a");
    Files.writeString(version.resolve("z.txt"), "bc");
    assertThat(fingerprint()).isNotEqualTo(before);
  }

  @Test
  void presentVersions_listEveryFolder_whateverThePolicySelects() throws Exception {
    Files.createDirectories(store.resolve("m/3"));
    Files.writeString(store.resolve("m/3/model.onnx"), "x");
    ModelDefinition d = ModelStore.open(store).read("m").orElseThrow();
    assertThat(d.versions()).extracting(VersionEntry::version).containsExactly(3L);
    assertThat(d.presentVersions()).containsExactly(1L, 3L);
    Files.writeString(store.resolve("m/config.pbtxt"), "max_batch_size: \"lots\"\n");
    ModelDefinition broken = ModelStore.open(store).read("m").orElseThrow();
    assertThat(broken.problemIfAny()).isPresent();
    assertThat(broken.presentVersions()).containsExactly(1L, 3L);
  }

  @Test
  void contains_isTrueOnlyForModelFoldersInsideTheStore() throws Exception {
    ModelStore s = ModelStore.open(store);
    assertThat(s.contains("m")).isTrue();
    assertThat(s.contains("nope")).isFalse();
    assertThat(s.contains("..")).isFalse();
    assertThat(s.contains("m/1")).isFalse();
    assertThat(s.contains("")).isFalse();
  }
}
