package io.tandem.server.config;

import java.util.List;

/**
 * The configuration cannot be used. Carries every problem found, not just the first, so an
 * operator fixes the file in one pass; the message lists them one per line, each starting with
 * the key path it is about (e.g. {@code backends[2].port: must be between 1 and 65535, got 70000}).
 */
public final class ConfigException extends Exception {

  private final List<String> errors;

  public ConfigException(List<String> errors) {
    super(String.join("\n", errors));
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("a ConfigException needs at least one error");
    }
    this.errors = List.copyOf(errors);
  }

  public ConfigException(String error) {
    this(List.of(error));
  }

  /** Every problem, one line each, in file order. */
  public List<String> errors() {
    return errors;
  }
}
