package dev.modelport.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.protobuf.util.JsonFormat;
import dev.modelport.client.ModelportClient;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.Tensor;
import dev.modelport.v1.TensorSpec;
import java.util.ArrayList;
import java.util.List;

/** Builds a PredictRequest from {@code --input NAME=JSON} (typed by the model's signature). */
final class Predict {
  private Predict() {}

  static PredictRequest request(
      ModelportClient client,
      String model,
      List<String> inputs,
      String version,
      boolean raw,
      String json)
      throws Exception {
    if (json != null) {
      PredictRequest.Builder b = PredictRequest.newBuilder();
      JsonFormat.parser().merge(json, b);
      return b.build();
    }
    ModelStatus status = client.getModel(model);
    PredictRequest.Builder b =
        PredictRequest.newBuilder().setModelName(model).setModelVersion(version).setRawOutput(raw);
    for (String input : inputs) {
      int eq = input.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--input " + input + ": expected NAME=JSON");
      }
      String name = input.substring(0, eq);
      TensorSpec spec =
          status.getInputsList().stream()
              .filter(s -> s.getName().equals(name))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "--input "
                              + name
                              + ": not an input of "
                              + model
                              + "; inputs: "
                              + status.getInputsList().stream().map(TensorSpec::getName).toList()));
      b.addInputs(tensor(spec, JsonParser.parseString(input.substring(eq + 1))));
    }
    return b.build();
  }

  /** A nested JSON array as a tensor of the spec's dtype; the shape is the nesting. */
  static Tensor tensor(TensorSpec spec, JsonElement value) {
    Tensor.Builder t = Tensor.newBuilder().setName(spec.getName()).setDtype(spec.getDtype());
    List<JsonElement> leaves = new ArrayList<>();
    JsonElement e = value;
    while (e.isJsonArray()) {
      JsonArray a = e.getAsJsonArray();
      t.addShape(a.size());
      if (a.isEmpty()) {
        break;
      }
      e = a.get(0);
    }
    flatten(value, leaves);
    for (JsonElement leaf : leaves) {
      switch (spec.getDtype()) {
        case DATA_TYPE_FLOAT32, DATA_TYPE_FLOAT16 -> t.addFloatVal(leaf.getAsFloat());
        case DATA_TYPE_FLOAT64 -> t.addDoubleVal(leaf.getAsDouble());
        case DATA_TYPE_INT32, DATA_TYPE_INT8, DATA_TYPE_UINT8 -> t.addIntVal(leaf.getAsInt());
        case DATA_TYPE_INT64 -> t.addInt64Val(leaf.getAsLong());
        case DATA_TYPE_BOOL -> t.addBoolVal(leaf.getAsBoolean());
        case DATA_TYPE_STRING -> t.addStringVal(leaf.getAsString());
        default ->
            throw new IllegalArgumentException(
                "--input "
                    + spec.getName()
                    + ": dtype "
                    + spec.getDtype()
                    + " is not supported here");
      }
    }
    return t.build();
  }

  private static void flatten(JsonElement e, List<JsonElement> out) {
    if (e.isJsonArray()) {
      e.getAsJsonArray().forEach(x -> flatten(x, out));
    } else {
      out.add(e);
    }
  }
}
