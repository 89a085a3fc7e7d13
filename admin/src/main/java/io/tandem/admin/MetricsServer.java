package io.tandem.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import io.prometheus.client.hotspot.DefaultExports;
import io.tandem.admin.metrics.TandemCollector;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side, on one address (default 127.0.0.1:6070): {@code /metrics} (Prometheus text
 * format, the simpleclient's HTTP server with Tandem's collector and the JVM's hotspot collectors),
 * {@code /-/healthy}, {@code /} (the status page: one self-contained HTML file that polls
 * {@code /status.json} every second) and {@code /status.json}.
 */
public final class MetricsServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

  private final HTTPServer server;
  private final HttpServer http;

  private MetricsServer(HTTPServer server, HttpServer http) {
    this.server = server;
    this.http = http;
  }

  /** Binds {@code host:port} (0: any free port) and serves. */
  public static MetricsServer start(AdminContext admin, String host, int port) throws IOException {
    CollectorRegistry registry = new CollectorRegistry();
    registry.register(new TandemCollector(admin));
    DefaultExports.register(registry);
    HttpServer http;
    try {
      http = HttpServer.create(new InetSocketAddress(host, port), 16);
    } catch (IOException e) {
      throw new IOException("metrics: cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
    }
    HTTPServer server = new HTTPServer.Builder().withHttpServer(http).withRegistry(registry).withDaemonThreads(true)
        .build();
    byte[] page = statusPage();
    http.removeContext("/");
    http.createContext("/", exchange -> {
      if (!exchange.getRequestURI().getPath().equals("/")) {
        reply(exchange, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
      } else {
        reply(exchange, 200, "text/html; charset=utf-8", page);
      }
    });
    http.createContext("/status.json", exchange -> reply(exchange, 200, "application/json",
        StatusReport.json(admin).getBytes(StandardCharsets.UTF_8)));
    MetricsServer started = new MetricsServer(server, http);
    log.info("metrics on http://{}:{}/metrics, status page on http://{}:{}/", host, started.port(), host,
        started.port());
    return started;
  }

  private static byte[] statusPage() {
    try (InputStream in = MetricsServer.class.getResourceAsStream("status.html")) {
      if (in == null) {
        throw new IllegalStateException("status.html is missing from the admin module");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void reply(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    try (exchange) {
      exchange.getResponseHeaders().set("Content-Type", type);
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  public int port() {
    return http.getAddress().getPort();
  }

  @Override
  public void close() {
    server.close();
  }
}
