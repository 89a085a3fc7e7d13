package io.tandem.server.config;

import java.util.ArrayList;
import java.util.List;

/** Collects problems while a config is read, so all of them are reported together. */
final class ConfigErrors {

  private final List<String> errors = new ArrayList<>();

  /** Records a problem with the value at {@code keyPath}; an empty path means the whole document. */
  void add(String keyPath, String problem) {
    errors.add(keyPath.isEmpty() ? problem : keyPath + ": " + problem);
  }

  boolean isEmpty() {
    return errors.isEmpty();
  }

  /** Throws a {@link ConfigException} listing every problem recorded, if there is any. */
  void throwIfAny() throws ConfigException {
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
  }
}
