package dev.modelport.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.modelport.server.testing.TempStore;
import dev.modelport.v1.DataType;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import dev.modelport.v1.Tensor;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Generated bad (and some good) requests against the real server with real models: random dtypes,
 * shapes, value counts, raw lengths, names, huge and empty fields, unknown models and versions,
 * junk parameters, and byte-level corruption of the encoded message (truncation, invalid UTF-8).
 * Seeded (-Dmodelport.fuzz.seed), so a failure reproduces; the count is -Dmodelport.fuzz.count
 * (default 10,000 requests, unary and streamed).
 *
 * <p>Pass: no UNKNOWN and no INTERNAL, every error message starts with the field it is about, the
 * stream answers every item once, and a valid request after each burst still gets the right answer.
 * Each of the 4 unary threads owns a fixed share of the requests (every 4th) and its own seeded
 * generator, so one seed gives one sequence of requests whatever the scheduling; checks made on
 * those threads are collected and asserted on the test thread (an assert failing on a worker thread
 * would only kill that thread).
 */
class FuzzIT {
  static final long SEED = Long.getLong("modelport.fuzz.seed", 20261123L);
  static final int COUNT = Integer.getInteger("modelport.fuzz.count", 10_000);

  /**
   * How an INVALID_ARGUMENT message must start: with the request field it is about (an input by
   * name, or a top-level field), or, for bytes that do not parse, with "the request to".
   */
  static final Pattern NAMES_A_FIELD =
      Pattern.compile(
          "^(input \"[^\"]*\"|inputs|output_names|parameters|model_name|model_version"
              + "|request_id|the request to )");

  /** How NOT_FOUND and UNAVAILABLE messages must start: with the model they are about. */
  static final Pattern NAMES_THE_MODEL = Pattern.compile("^model \"[^\"]*\"");

  static ServerFixture fx;
  static final Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    TempStore store =
        new TempStore()
            .copy("iris", "iris")
            .copy("iris-mlp", "iris-mlp")
            .copy("all-minilm-l6-v2", "all-minilm-l6-v2")
            .fixture("identity");
    fx = new ServerFixture(store.root);
  }

  @AfterAll
  static void stop() {
    System.out.println("FuzzIT seed " + SEED + " outcomes: " + outcomes);
    fx.close();
  }

  // ---- generation ---------------------------------------------------------------------------

  static final String[] MODELS = {"iris", "iris-mlp", "all-minilm-l6-v2", "identity"};
  static final DataType[] TYPES = DataType.values();

  static PredictRequest valid(Random r, String model) {
    PredictRequest.Builder b = PredictRequest.newBuilder().setModelName(model);
    int rows = 1 + r.nextInt(4);
    switch (model) {
      case "iris", "iris-mlp" -> b.addInputs(Requests.floats("features", new float[rows][4]));
      case "all-minilm-l6-v2" -> {
        String[] texts = new String[rows];
        for (int i = 0; i < rows; i++) {
          texts[i] = text(r);
        }
        b.addInputs(Requests.texts(texts).getInputs(0));
      }
      default -> {
        for (String t :
            List.of(
                "bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64",
                "string")) {
          b.addInputs(EveryDtypeIT.values("in_" + t, EveryDtypeIT.TYPES.get(t)));
        }
      }
    }
    return b.build();
  }

  static String text(Random r) {
    return switch (r.nextInt(6)) {
      case 0 -> "";
      case 1 -> "A man is eating food.";
      case 2 -> "x".repeat(r.nextInt(3000));
      case 3 -> new String(Character.toChars(0x1F600 + r.nextInt(50))) + "日本語 ünï";
      case 4 -> "\u0000\u0001\t\n" + "\uFFFF";
      default -> randomString(r, 1 + r.nextInt(40));
    };
  }

  static String randomString(Random r, int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int cp = r.nextInt(4) == 0 ? r.nextInt(0x2FFFF) : 32 + r.nextInt(95);
      if (cp >= 0xD800 && cp <= 0xDFFF) {
        cp = '?';
      }
      b.appendCodePoint(cp);
    }
    return b.toString();
  }

  static long dim(Random r) {
    long[] dims = {-3, -1, 0, 1, 2, 3, 4, 8, 64, 65, 384, 1_000_000, Long.MAX_VALUE};
    return dims[r.nextInt(dims.length)];
  }

  static PredictRequest mutate(Random r, PredictRequest base) {
    PredictRequest.Builder b = base.toBuilder();
    int mutations = 1 + r.nextInt(3);
    for (int m = 0; m < mutations; m++) {
      int inputs = b.getInputsCount();
      int i = inputs == 0 ? -1 : r.nextInt(inputs);
      switch (r.nextInt(14)) {
        case 0 ->
            b.setModelName(
                switch (r.nextInt(5)) {
                  case 0 -> "";
                  case 1 -> "../etc/passwd";
                  case 2 -> "nope-" + r.nextInt(10);
                  case 3 -> randomString(r, 300);
                  default -> MODELS[r.nextInt(MODELS.length)];
                });
        case 1 ->
            b.setModelVersion(
                switch (r.nextInt(5)) {
                  case 0 -> "0";
                  case 1 -> "-1";
                  case 2 -> Long.toString(r.nextLong());
                  case 3 -> "99999999999999999999999";
                  default -> randomString(r, 8);
                });
        case 2 -> {
          if (i >= 0) {
            b.removeInputs(i);
          }
        }
        case 3 ->
            b.addInputs(
                Tensor.newBuilder()
                    .setName(randomString(r, r.nextInt(20)))
                    .setDtype(TYPES[r.nextInt(TYPES.length - 1)])
                    .addShape(1)
                    .addFloatVal(1f));
        case 4 -> {
          if (i >= 0) {
            b.setInputs(
                i, b.getInputs(i).toBuilder().setName(r.nextBoolean() ? "" : randomString(r, 5)));
          }
        }
        case 5 -> {
          if (i >= 0) {
            Tensor.Builder t = b.getInputs(i).toBuilder();
            if (r.nextInt(10) == 0) {
              t.setDtypeValue(50 + r.nextInt(50)); // not a DataType at all
            } else {
              t.setDtype(TYPES[r.nextInt(TYPES.length - 1)]);
            }
            b.setInputs(i, t);
          }
        }
        case 6 -> {
          if (i >= 0) {
            Tensor.Builder t = b.getInputs(i).toBuilder().clearShape();
            int rank = r.nextInt(5);
            for (int k = 0; k < rank; k++) {
              t.addShape(dim(r));
            }
            b.setInputs(i, t);
          }
        }
        case 7 -> {
          if (i >= 0) {
            Tensor.Builder t = b.getInputs(i).toBuilder();
            switch (r.nextInt(6)) {
              case 0 -> t.addFloatVal(r.nextFloat());
              case 1 -> t.addIntVal(r.nextInt());
              case 2 -> t.addStringVal(text(r));
              case 3 -> t.addBoolVal(true);
              case 4 -> t.addBytesVal(ByteString.copyFrom(new byte[r.nextInt(5)]));
              default -> t.addDoubleVal(Double.NaN).addInt64Val(-1);
            }
            b.setInputs(i, t);
          }
        }
        case 8 -> {
          if (i >= 0) {
            byte[] raw = new byte[r.nextInt(200)];
            r.nextBytes(raw);
            b.setInputs(
                i,
                b.getInputs(i).toBuilder()
                    .clearFloatVal()
                    .clearIntVal()
                    .clearInt64Val()
                    .clearDoubleVal()
                    .clearBoolVal()
                    .setRaw(ByteString.copyFrom(raw)));
          }
        }
        case 9 -> b.addOutputNames(r.nextBoolean() ? "" : randomString(r, 6));
        case 10 ->
            b.putParameters(
                r.nextBoolean() ? "normalize" : randomString(r, 4),
                r.nextBoolean() ? "false" : randomString(r, 3));
        case 11 -> b.setRawOutput(!b.getRawOutput());
        case 12 -> {
          if (i >= 0) {
            Tensor.Builder t = b.getInputs(i).toBuilder();
            t.clearFloatVal();
            for (int k = 0; k < 20_000; k++) {
              t.addFloatVal(k); // large, but well under the message limit
            }
            b.setInputs(i, t);
          }
        }
        default -> b.clearInputs();
      }
    }
    return b.build();
  }

  // ---- checks -------------------------------------------------------------------------------

  static void check(PredictRequest req, Status status, List<String> problems) {
    outcomes.computeIfAbsent(status.getCode().name(), k -> new AtomicInteger()).incrementAndGet();
    if (status.isOk()) {
      return;
    }
    String why = status.getCode() + " " + status.getDescription() + " for " + abbreviate(req);
    if (status.getCode() == Status.Code.UNKNOWN || status.getCode() == Status.Code.INTERNAL) {
      problems.add("bad input answered " + why);
    } else if (status.getDescription() == null) {
      problems.add("no message: " + why);
    } else if (status.getCode() == Status.Code.INVALID_ARGUMENT
        && !NAMES_A_FIELD.matcher(status.getDescription()).find()) {
      problems.add("message does not start with the field: " + why);
    } else if ((status.getCode() == Status.Code.NOT_FOUND
            || status.getCode() == Status.Code.UNAVAILABLE)
        && !NAMES_THE_MODEL.matcher(status.getDescription()).find()) {
      problems.add("message does not start with the model: " + why);
    }
  }

  static String abbreviate(PredictRequest r) {
    String s = r.toString().replace('\n', ' ');
    return s.length() > 400 ? s.substring(0, 400) + "..." : s;
  }

  static void assertStillServesCorrectly() {
    List<String> problems = new ArrayList<>();
    checkStillServesCorrectly(problems);
    assertThat(problems).isEmpty();
  }

  /** Adds a problem unless iris still classifies the six classic rows right. */
  static void checkStillServesCorrectly(java.util.Collection<String> problems) {
    try {
      PredictResponse ok = fx.inference().predict(Requests.iris("iris", Requests.CLASSIC_IRIS));
      float[][] p = Requests.rows(ok, 0);
      for (int i = 0; i < 6; i++) {
        if (Requests.argmax(p[i]) != i / 2) {
          problems.add("iris row " + i + " classified " + Requests.argmax(p[i]));
        }
      }
    } catch (RuntimeException e) {
      problems.add("a valid iris request failed: " + e);
    }
  }

  // ---- the runs -----------------------------------------------------------------------------

  @Test
  void unaryFuzz_neverUnknownOrInternal_andMessagesNameTheField() throws Exception {
    int n = COUNT * 6 / 10;
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    int threadCount = 4;
    for (int t = 0; t < threadCount; t++) {
      Random r = new Random(SEED + t);
      int first = t;
      Thread th =
          new Thread(
              () -> {
                try {
                  fuzzShare(r, first, threadCount, n, problems);
                } catch (Throwable e) { // surfaced on the test thread, not lost with this one
                  problems.add("fuzz thread " + first + " died: " + e);
                }
              });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    assertThat(problems).isEmpty();
    assertStillServesCorrectly();
  }

  /** Sends requests first, first + step, ... below n, each generated from r, checking each. */
  static void fuzzShare(
      Random r, int first, int step, int n, java.util.Collection<String> problems) {
    var stub = InferenceServiceGrpc.newBlockingStub(fx.channel);
    for (int i = first; i < n; i += step) {
      PredictRequest req =
          r.nextInt(10) == 0
              ? valid(r, MODELS[r.nextInt(MODELS.length)])
              : mutate(r, valid(r, MODELS[r.nextInt(MODELS.length)]));
      Status s;
      try {
        stub.withDeadlineAfter(60, TimeUnit.SECONDS).predict(req);
        s = Status.OK;
      } catch (StatusRuntimeException e) {
        s = e.getStatus();
      }
      List<String> local = new ArrayList<>();
      check(req, s, local);
      problems.addAll(local);
      if (i % 500 == first) {
        checkStillServesCorrectly(problems);
      }
    }
  }

  @Test
  void streamFuzz_answersEveryItemOnce_withoutInternalErrors() throws Exception {
    int n = COUNT * 3 / 10;
    Random r = new Random(SEED * 31);
    Map<String, PredictRequest> sent = new ConcurrentHashMap<>();
    Map<String, PredictResponse> got = new ConcurrentHashMap<>();
    AtomicInteger duplicates = new AtomicInteger();
    CompletableFuture<Status> end = new CompletableFuture<>();
    StreamObserver<PredictRequest> in =
        fx.inferenceAsync()
            .withDeadlineAfter(300, TimeUnit.SECONDS)
            .predictStream(
                new StreamObserver<>() {
                  @Override
                  public void onNext(PredictResponse v) {
                    if (got.put(v.getRequestId(), v) != null) {
                      duplicates.incrementAndGet();
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    end.complete(Status.fromThrowable(t));
                  }

                  @Override
                  public void onCompleted() {
                    end.complete(Status.OK);
                  }
                });
    for (int i = 0; i < n; i++) {
      PredictRequest req =
          mutate(r, valid(r, MODELS[r.nextInt(MODELS.length)])).toBuilder()
              .setRequestId("f" + i)
              .build();
      sent.put("f" + i, req);
      in.onNext(req);
    }
    in.onCompleted();
    assertThat(end.get(300, TimeUnit.SECONDS)).isEqualTo(Status.OK);
    assertThat(duplicates).hasValue(0);
    assertThat(got.keySet()).isEqualTo(sent.keySet());
    List<String> problems = new ArrayList<>();
    got.forEach(
        (id, resp) ->
            check(
                sent.get(id),
                resp.hasError()
                    ? Status.fromCodeValue(resp.getError().getCode())
                        .withDescription(resp.getError().getMessage())
                    : Status.OK,
                problems));
    assertThat(problems).isEmpty();
    assertStillServesCorrectly();
  }

  static final MethodDescriptor.Marshaller<byte[]> BYTES = dev.modelport.server.RawBytes.MARSHALLER;

  @Test
  void corruptBytes_truncationsAndInvalidUtf8_areInvalidArgument_neverInternal() {
    int n = COUNT - COUNT * 6 / 10 - COUNT * 3 / 10;
    MethodDescriptor<byte[], byte[]> raw =
        InferenceServiceGrpc.getPredictMethod().toBuilder(BYTES, BYTES).build();
    Random r = new Random(SEED * 7);
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] bytes = valid(r, MODELS[r.nextInt(MODELS.length)]).toByteArray();
      switch (i % 3) {
        case 0 -> bytes = java.util.Arrays.copyOf(bytes, r.nextInt(bytes.length)); // truncated
        case 1 -> {
          for (int k = 0; k < 1 + r.nextInt(4); k++) {
            bytes[r.nextInt(bytes.length)] = (byte) r.nextInt(256); // flipped
          }
        }
        default -> bytes = invalidUtf8InAStringVal(r);
      }
      Status status;
      try {
        ClientCalls.blockingUnaryCall(
            fx.channel,
            raw,
            io.grpc.CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
            bytes);
        status = Status.OK;
      } catch (StatusRuntimeException e) {
        status = e.getStatus();
      }
      outcomes
          .computeIfAbsent("bytes:" + status.getCode(), k -> new AtomicInteger())
          .incrementAndGet();
      if (status.getCode() == Status.Code.UNKNOWN || status.getCode() == Status.Code.INTERNAL) {
        problems.add(status + " for corrupted request #" + i);
      }
      if (i % 3 == 2
          && (status.getCode() != Status.Code.INVALID_ARGUMENT
              || !status.getDescription().startsWith("the request to "))) {
        problems.add(status + " for invalid UTF-8 in string_val, request #" + i);
      }
    }
    assertThat(problems).isEmpty();
    assertStillServesCorrectly();
  }

  /**
   * A valid MiniLM request whose one text (a {@code string_val}, field 10 of Tensor) holds invalid
   * UTF-8 at a random place: proto3 strings must be UTF-8, so it must not parse.
   */
  static byte[] invalidUtf8InAStringVal(Random r) {
    String marker = "TEXTMARKER";
    byte[] enc = Requests.texts("a " + marker + " b").toByteArray();
    byte[][] bad = {
      {(byte) 0xC3, (byte) 0x28}, // a 2-byte start followed by a non-continuation
      {(byte) 0xFF},
      {(byte) 0xE2, (byte) 0x82}, // truncated 3-byte sequence
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80} // an encoded UTF-16 surrogate
    };
    byte[] b = bad[r.nextInt(bad.length)];
    String s = new String(enc, java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = s.indexOf(marker);
    byte[] out = s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    // Same length: overwrite part of the marker, padding with ASCII so the field length holds.
    int pos = at + r.nextInt(marker.length() - b.length + 1);
    System.arraycopy(b, 0, out, pos, b.length);
    return out;
  }
}
