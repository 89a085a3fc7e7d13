package io.tandem.server.config;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.FrontendTls;
import io.tandem.proxy.config.PoolSettings;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.config.UserAccount;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes settings back as {@code tandem.yaml} text, in the shape {@link ConfigLoader} reads, so a
 * generated config (the sandbox's) is a file an operator can read, edit and run with
 * {@code tandem run -c}. Strings are always double-quoted; paths are written as given.
 */
public final class ConfigYaml {

  private ConfigYaml() {}

  /**
   * @param header comment lines put at the top (without {@code #}), or an empty string
   */
  public static String render(ProxySettings settings, LoggingSettings logging, String header) {
    StringBuilder y = new StringBuilder();
    header.lines().forEach(line -> y.append(line.isEmpty() ? "#" : "# " + line).append('\n'));
    y.append("listen:\n");
    y.append("  host: ").append(quote(settings.listenHost())).append('\n');
    y.append("  port: ").append(settings.listenPort()).append('\n');
    y.append("  max_connections: ").append(settings.maxConnections()).append('\n');
    y.append("  max_packet_size: ").append(ByteSizeFormat.format(settings.maxPacketSize())).append('\n');
    y.append("worker_threads: ").append(settings.workerThreads()).append('\n');
    y.append("users:\n");
    for (UserAccount u : settings.users()) {
      y.append("  - name: ").append(quote(u.name())).append('\n');
      if (u.password() != null) {
        y.append("    password: ").append(quote(u.password())).append('\n');
      } else {
        y.append("    native_hash: ").append(quote(u.nativeHash())).append('\n');
      }
      y.append("    auth_plugin: ").append(u.authPlugin().protocolName()).append('\n');
      Boolean multiplexing = settings.pool().multiplexingByUser().get(u.name());
      if (multiplexing != null) {
        y.append("    multiplexing: ").append(multiplexing).append('\n');
      }
    }
    y.append("backends:\n");
    for (BackendDefinition b : settings.backends()) {
      y.append("  - { name: ").append(quote(b.name()))
          .append(", host: ").append(quote(b.host()))
          .append(", port: ").append(b.port())
          .append(", role: ").append(b.role().name().toLowerCase(Locale.ROOT))
          .append(", priority: ").append(b.priority()).append(" }\n");
    }
    PoolSettings pool = settings.pool();
    y.append("pool:\n");
    y.append("  connect_timeout: ").append(DurationFormat.format(pool.connectTimeout())).append('\n');
    y.append("  idle_timeout: ").append(DurationFormat.format(pool.idleTimeout())).append('\n');
    y.append("  max_idle_per_key: ").append(pool.effectiveMaxIdlePerKey()).append('\n');
    y.append("  max_connections_per_backend: ").append(pool.maxConnectionsPerBackend()).append('\n');
    y.append("  multiplexing: ").append(pool.multiplexing()).append('\n');
    y.append("tls:\n");
    FrontendTls frontend = settings.frontendTls();
    y.append("  frontend:\n");
    if (frontend.enabled()) {
      y.append("    certificate: ").append(quote(frontend.certificate())).append('\n');
      y.append("    private_key: ").append(quote(frontend.privateKey())).append('\n');
    }
    y.append("    required: ").append(frontend.required()).append('\n');
    y.append("  backend:\n");
    y.append("    enabled: ").append(settings.backendTls().enabled()).append('\n');
    y.append("    verify_peer: ").append(settings.backendTls().verifyPeer()).append('\n');
    if (logging.config() != null || logging.level() != null) {
      y.append("logging:\n");
      if (logging.config() != null) {
        y.append("  config: ").append(quote(logging.config())).append('\n');
      }
      if (logging.level() != null) {
        y.append("  level: ").append(logging.level()).append('\n');
      }
    }
    return y.toString();
  }

  private static String quote(Path path) {
    return quote(path.toString());
  }

  /** A YAML double-quoted scalar: backslash, quote and control characters escaped. */
  static String quote(String s) {
    StringBuilder q = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> q.append("\\\"");
        case '\\' -> q.append("\\\\");
        case '\n' -> q.append("\\n");
        case '\t' -> q.append("\\t");
        case '\r' -> q.append("\\r");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            q.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
          } else {
            q.append(c);
          }
        }
      }
    }
    return q.append('"').toString();
  }
}
