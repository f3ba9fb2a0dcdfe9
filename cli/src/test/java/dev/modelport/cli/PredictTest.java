package dev.modelport.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import dev.modelport.v1.DataType;
import dev.modelport.v1.Tensor;
import dev.modelport.v1.TensorSpec;
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
  void unknownCommandOrMissingOption_exitsTwo() {
    assertThat(Main.run("frobnicate")).isEqualTo(2);
    assertThat(Main.run("perf", "--concurrency", "1")).as("--model is required").isEqualTo(2);
    assertThat(Main.run()).as("a command is required").isEqualTo(2);
  }

  @Test
  void helpForEveryCommand_exitsZero() {
    for (String c : new String[] {"list", "get", "predict", "reload", "perf"}) {
      assertThat(Main.run(c, "--help")).as(c + " --help").isZero();
      assertThat(Main.run("help", c)).as("help " + c).isZero();
    }
    assertThat(Main.run("--help")).isZero();
  }

  @Test
  void aServerThatIsNotThere_isNamedInTheError() {
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    var cl = Main.commandLine();
    cl.setErr(new java.io.PrintWriter(err, true));
    // port 1: nothing listens there
    assertThat(cl.execute("list", "--target", "localhost:1", "--deadline-seconds", "5"))
        .isEqualTo(1);
    assertThat(err.toString()).startsWith("modelport: cannot reach localhost:1:");
  }
}
