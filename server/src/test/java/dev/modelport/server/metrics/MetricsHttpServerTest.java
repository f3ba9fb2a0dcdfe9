package dev.modelport.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The Prometheus endpoint: GET and HEAD answer the scrape, other methods 405. */
class MetricsHttpServerTest {
  private static HttpResponse<String> send(int port, String method) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void getAnswersTheScrape_headTheHeaders_andOtherMethods405() throws Exception {
    ServerMetrics metrics = new ServerMetrics();
    metrics.recordRequest("iris", "1", "OK", 1000);
    try (MetricsHttpServer server = new MetricsHttpServer(0, metrics)) {
      assertThat(server.port()).isPositive();
      HttpResponse<String> get = send(server.port(), "GET");
      assertThat(get.statusCode()).isEqualTo(200);
      assertThat(get.headers().firstValue("Content-Type"))
          .hasValue("text/plain; version=0.0.4; charset=utf-8");
      assertThat(get.body()).contains("modelport_requests_total{").endsWith("\n");
      HttpResponse<String> head = send(server.port(), "HEAD");
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.body()).isEmpty();
      assertThat(send(server.port(), "POST").statusCode()).isEqualTo(405);
      assertThat(send(server.port(), "DELETE").statusCode()).isEqualTo(405);
    }
  }

  @Test
  void aPortInUse_isNamedInTheError() throws Exception {
    try (MetricsHttpServer first = new MetricsHttpServer(0, new ServerMetrics())) {
      int port = first.port();
      assertThatThrownBy(() -> new MetricsHttpServer(port, new ServerMetrics()))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("--metrics-port " + port + ": ");
    }
  }
}
