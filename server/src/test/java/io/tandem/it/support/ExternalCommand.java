package io.tandem.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external client (mariadb CLI, sysbench, python) with a time limit and captures its
 * exit code, stdout and stderr, so that assertion messages can show everything the client said.
 */
public final class ExternalCommand {

  private ExternalCommand() {}

  /** Fails with an install hint when {@code executable} is missing. */
  public static Path require(String executable, String installHint) {
    Path p = Path.of(executable);
    if (!Files.isExecutable(p)) {
      throw new AssertionError(executable + " is not installed; run: " + installHint);
    }
    return p;
  }

  public static Result run(List<String> command, Duration timeout) {
    return run(command, null, timeout);
  }

  /** Runs {@code command} with {@code stdin} (or nothing) as its input. */
  public static Result run(List<String> command, String stdin, Duration timeout) {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().remove("MYSQL_PWD");
    pb.environment().remove("MYSQL_HOST");
    pb.environment().remove("MYSQL_TCP_PORT");
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
    CompletableFuture<String> out = drain(process.getInputStream());
    CompletableFuture<String> err = drain(process.getErrorStream());
    try {
      if (stdin != null) {
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      process.getOutputStream().close();
    } catch (IOException e) {
      // the process may already have exited; its output tells why
    }
    boolean finished;
    try {
      finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      finished = false;
    }
    if (!finished) {
      process.destroyForcibly();
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return new Result(List.copyOf(command), finished ? process.exitValue() : -1, !finished,
        out.join(), err.join());
  }

  private static CompletableFuture<String> drain(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try (in) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "<read failed: " + e + ">";
      }
    });
  }

  /** What a finished (or killed) process left behind. */
  public record Result(List<String> command, int exitCode, boolean timedOut, String stdout, String stderr) {

    /** stdout split into lines, without the trailing empty line. */
    public List<String> lines() {
      List<String> lines = new ArrayList<>(List.of(stdout.split("\n", -1)));
      if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
        lines.remove(lines.size() - 1);
      }
      return lines;
    }

    /** Everything about the run, for assertion messages (passwords are not hidden: test accounts). */
    public String describe() {
      String out = stdout.length() > 4000 ? stdout.substring(0, 4000) + "…(" + stdout.length() + " chars)" : stdout;
      String err = stderr.length() > 4000 ? stderr.substring(0, 4000) + "…(" + stderr.length() + " chars)" : stderr;
      return "command: " + String.join(" ", command) + "\nexit code: " + exitCode
          + (timedOut ? " (timed out, killed)" : "") + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
    }
  }
}
