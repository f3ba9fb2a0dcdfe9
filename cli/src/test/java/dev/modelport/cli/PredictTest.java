package dev.modelport.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import dev.modelport.v1.DataType;
import dev.modelport.v1.Tensor;
import dev.modelport.v1.TensorSpec;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PredictTest {
  static TensorSpec spec(String name, DataType t) {
    return TensorSpec.newBuilder().setName(name).setDtype(t).build();
  }

  @Test
  void nestedJson_becomesATensorOfTheSpecsType_withItsShape() {
    Tensor t =
        Predict.tensor(
            spec("features", DataType.DATA_TYPE_FLOAT32),
            JsonParser.parseString("[[5.1,3.5,1.4,0.2],[6.3,3.3,6.0,2.5]]"));
    assertThat(t.getShapeList()).containsExactly(2L, 4L);
    assertThat(t.getFloatValList()).hasSize(8).startsWith(5.1f, 3.5f);
    Tensor s =
        Predict.tensor(
            spec("text", DataType.DATA_TYPE_STRING), JsonParser.parseString("[\"hi\", \"there\"]"));
    assertThat(s.getShapeList()).containsExactly(2L);
    assertThat(s.getStringValList()).containsExactly("hi", "there");
    Tensor l =
        Predict.tensor(spec("ids", DataType.DATA_TYPE_INT64), JsonParser.parseString("[[1,2,3]]"));
    assertThat(l.getInt64ValList()).containsExactly(1L, 2L, 3L);
  }

  @Test
  void args_parseFlagsOptionsAndPositionals() {
    Args a =
        Args.parse(
            new String[] {"iris", "--input", "x=[1]", "--input=y=[2]", "--raw", "--target", "h:1"},
            Set.of("raw"));
    assertThat(a.positional).containsExactly("iris");
    assertThat(a.all("input")).containsExactly("x=[1]", "y=[2]");
    assertThat(a.flag("raw")).isTrue();
    assertThat(a.get("target", "")).isEqualTo("h:1");
    assertThatThrownBy(() -> Args.parse(new String[] {"--target"}, Set.of()))
        .hasMessageContaining("missing value");
  }

  @Test
  void unknownCommand_exitsWithUsage() {
    assertThat(Main.run(new String[] {"frobnicate"})).isEqualTo(2);
    assertThat(Main.run(new String[] {"perf", "--concurrency", "1"})).isEqualTo(2);
  }
}
