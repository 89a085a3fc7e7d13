package io.tandem.proxy.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything the protocol core needs to run, already validated. The server module builds it from
 * {@code conf/tandem.yaml}; tests build it directly.
 *
 * @param listenHost      address the frontend binds (e.g. {@code 127.0.0.1}, {@code 0.0.0.0})
 * @param listenPort      port the frontend binds; 0 picks a free one
 * @param maxConnections  client connections accepted at once; the next one gets ERR 1040
 * @param maxPacketSize   largest logical packet (command) a client may send, in bytes; larger → ERR 1153
 * @param users           accounts clients log in with (the proxy authenticates them itself)
 * @param backends        the servers behind the proxy
 * @param pool            backend connection pool settings
 * @param frontendTls     TLS offered to clients ({@link FrontendTls#disabled()} for none)
 * @param backendTls      whether backend connections use TLS
 * @param workerThreads   Netty event-loop threads; 0 means one per core
 * @param clientLimits    timeouts and login throttling for client connections
 */
public record ProxySettings(
    String listenHost,
    int listenPort,
    int maxConnections,
    int maxPacketSize,
    List<UserAccount> users,
    List<BackendDefinition> backends,
    PoolSettings pool,
    FrontendTls frontendTls,
    BackendTls backendTls,
    int workerThreads,
    ClientLimits clientLimits) {

  /** Settings with the default {@link ClientLimits}. */
  public ProxySettings(String listenHost, int listenPort, int maxConnections, int maxPacketSize, List<UserAccount> users,
      List<BackendDefinition> backends, PoolSettings pool, FrontendTls frontendTls, BackendTls backendTls,
      int workerThreads) {
    this(listenHost, listenPort, maxConnections, maxPacketSize, users, backends, pool, frontendTls, backendTls,
        workerThreads, ClientLimits.defaults());
  }

  public ProxySettings {
    Objects.requireNonNull(listenHost, "listenHost");
    users = List.copyOf(users);
    backends = List.copyOf(backends);
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(frontendTls, "frontendTls");
    Objects.requireNonNull(backendTls, "backendTls");
    Objects.requireNonNull(clientLimits, "clientLimits");
  }

  /** Default for {@link #maxPacketSize}: 64 MiB, like the sandbox servers' max_allowed_packet. */
  public static final int DEFAULT_MAX_PACKET_SIZE = 64 * 1024 * 1024;

  /** Default idle timeout and connect timeout of the pool. */
  public static PoolSettings defaultPool() {
    return new PoolSettings(Duration.ofSeconds(5), Duration.ofMinutes(10), 0);
  }

  public UserAccount user(String name) {
    for (UserAccount u : users) {
      if (u.name().equals(name)) {
        return u;
      }
    }
    return null;
  }
}
