package io.tandem.proxy.route;

import java.util.HashMap;
import java.util.Map;

/**
 * Which backends an operator took out of service ({@code SET BACKEND name OFFLINE SOFT|HARD}). An
 * offline backend gets no new work: no new reads, and the failover controller does not promote
 * it; what runs there goes on (SOFT: open transactions finish) or is cut (HARD: every connection
 * to it is closed). Every backend is online until an operator says otherwise; the state is not
 * kept across restarts. Read lock-free on every routing decision; thread-safe.
 */
public final class BackendAvailability {

  /** An operator's choice for one backend. */
  public enum Mode {
    ONLINE, OFFLINE_SOFT, OFFLINE_HARD
  }

  private volatile Map<String, Mode> offline = Map.of();

  /** Whether new work may go to the backend named {@code name}. */
  public boolean online(String name) {
    Map<String, Mode> m = offline;
    return m.isEmpty() || !m.containsKey(name);
  }

  /**
   * The backends that are not online, with their modes: an immutable map, replaced (never changed)
   * when an operator sets a mode, so the same object stands for the same state.
   */
  public Map<String, Mode> offline() {
    return offline;
  }

  /** The mode of the backend named {@code name}. */
  public Mode mode(String name) {
    return offline.getOrDefault(name, Mode.ONLINE);
  }

  /** Sets the mode of the backend named {@code name}; returns the previous one. */
  public synchronized Mode set(String name, Mode mode) {
    Map<String, Mode> next = new HashMap<>(offline);
    Mode previous = mode == Mode.ONLINE ? next.remove(name) : next.put(name, mode);
    offline = Map.copyOf(next);
    return previous == null ? Mode.ONLINE : previous;
  }
}
