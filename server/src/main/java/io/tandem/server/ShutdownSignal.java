package io.tandem.server;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes what a command started when the JVM is asked to stop (Ctrl-C, SIGTERM), in reverse
 * order of registration, and lets the main thread wait for that.
 *
 * <p>The main thread must not call {@code System.exit} after waiting: the JVM is already shutting
 * down then, and {@code exit} would block forever. It just returns.
 */
final class ShutdownSignal {

  private static final Logger log = LoggerFactory.getLogger(ShutdownSignal.class);

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private final CountDownLatch closed = new CountDownLatch(1);

  /** Registers the JVM shutdown hook. */
  static ShutdownSignal install() {
    ShutdownSignal signal = new ShutdownSignal();
    Runtime.getRuntime().addShutdownHook(new Thread(signal::closeAll, "tandem-shutdown"));
    return signal;
  }

  /** {@code resource} is closed on shutdown, before anything registered earlier. */
  synchronized void closeOnShutdown(AutoCloseable resource) {
    resources.push(resource);
  }

  /** Blocks until the shutdown hook has closed everything. */
  void await() throws InterruptedException {
    closed.await();
  }

  private void closeAll() {
    log.info("stopping");
    try {
      AutoCloseable r;
      while ((r = next()) != null) {
        try {
          r.close();
        } catch (Exception e) {
          log.warn("error while stopping {}: {}", r, e.toString());
        }
      }
    } finally {
      closed.countDown();
    }
  }

  private synchronized AutoCloseable next() {
    return resources.poll();
  }
}
