package dev.modelport.cli.perf;

import dev.modelport.client.Tensors;
import dev.modelport.v1.PredictRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;

/**
 * The "wrap it in Flask" baseline ({@code bench/python/flask_predict.py}): the same rows as JSON
 * {@code {"inputs": [[...], ...]}} POSTed to an HTTP/1.1 endpoint. A non-2xx answer counts as a
 * failure named {@code HTTP_<code>}.
 */
final class HttpJsonBaseline {
  private HttpJsonBaseline() {}

  /** The request's first input (float32, rows × features) as the baseline's JSON body. */
  static String body(PredictRequest request) {
    var t = request.getInputs(0);
    float[] v = Tensors.toFloats(t);
    int rows = (int) t.getShape(0);
    int width = rows == 0 ? 0 : v.length / rows;
    StringBuilder b = new StringBuilder(16 + v.length * 12).append("{\"inputs\":[");
    for (int r = 0; r < rows; r++) {
      b.append(r == 0 ? "[" : ",[");
      for (int c = 0; c < width; c++) {
        if (c > 0) {
          b.append(',');
        }
        b.append(String.format(Locale.ROOT, "%s", v[r * width + c]));
      }
      b.append(']');
    }
    return b.append("]}").toString();
  }

  /** A call factory: one HTTP/1.1 client per caller thread, like one connection per caller. */
  static LoadLoop.CallFactory calls(URI url, PredictRequest request) {
    String json = body(request);
    return () -> {
      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(10))
              .build();
      HttpRequest post =
          HttpRequest.newBuilder(url)
              .header("Content-Type", "application/json")
              .timeout(Duration.ofSeconds(60))
              .POST(HttpRequest.BodyPublishers.ofString(json))
              .build();
      return () -> {
        HttpResponse<byte[]> r = http.send(post, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() / 100 != 2) {
          throw new HttpFailure(r.statusCode());
        }
      };
    };
  }

  /** A non-2xx answer. */
  static final class HttpFailure extends Exception {
    private static final long serialVersionUID = 1L;

    HttpFailure(int code) {
      super("HTTP_" + code, null, false, false);
    }
  }
}
