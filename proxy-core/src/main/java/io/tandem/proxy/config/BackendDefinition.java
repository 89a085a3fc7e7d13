package io.tandem.proxy.config;

import java.util.Objects;

/**
 * One server behind the proxy.
 *
 * @param name      unique name used in logs, metrics and admin commands (e.g. {@code m1})
 * @param host      host name or address
 * @param port      TCP port
 * @param role      configured role; the topology decides the live roles from it
 * @param priority  among masters, the higher priority is preferred as the active writer
 */
public record BackendDefinition(String name, String host, int port, Role role, int priority) {

  public BackendDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(role, "role");
  }

  /** Configured backend roles. */
  public enum Role {
    /** A master that may take writes (the active one is chosen by priority). */
    MASTER,
    /** A second master of a dual-master pair that takes writes only after failover. */
    STANDBY,
    /** A read replica. */
    REPLICA
  }

  public String address() {
    return host + ":" + port;
  }
}
