package io.tandem.server.config;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One YAML mapping of the config at a key path ({@code listen}, {@code backends[2]}), read key by
 * key with typed getters.
 *
 * <p>A getter never throws: a missing key gives the default, a wrong value is recorded in the
 * shared {@link ConfigErrors} under its full key path and gives null, so reading carries on and
 * every problem of the file is found in one pass. Each getter also marks its key as known, so
 * {@link #rejectUnknownKeys()} can then report typos, with a suggestion.
 */
final class ConfigSection {

  private final String path;
  private final Map<String, Object> values;
  private final ConfigErrors errors;
  private final Set<String> known = new LinkedHashSet<>();

  private ConfigSection(String path, Map<String, Object> values, ConfigErrors errors) {
    this.path = path;
    this.values = values;
    this.errors = errors;
  }

  /** The mapping {@code value} at {@code path}; null (an empty YAML value) reads as an empty mapping. */
  static ConfigSection of(String path, Object value, ConfigErrors errors) {
    Map<String, Object> values = new LinkedHashMap<>();
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> values.put(String.valueOf(k), v));
    } else if (value != null) {
      errors.add(path, "expected a mapping (key: value), got " + describe(value));
    }
    return new ConfigSection(path, values, errors);
  }

  /** The full path of one of this section's keys, as error messages show it. */
  String keyPath(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  String path() {
    return path;
  }

  /** Records a problem with this whole section. */
  void error(String problem) {
    errors.add(path, problem);
  }

  /** Records a problem with one key of this section. */
  void error(String key, String problem) {
    errors.add(keyPath(key), problem);
  }

  /** Whether {@code key} has a non-null value. */
  boolean has(String key) {
    known.add(key);
    return values.get(key) != null;
  }

  private Object raw(String key) {
    known.add(key);
    return values.get(key);
  }

  /** A string; numbers and booleans are refused, since YAML would have changed them (0123 → 123). */
  String string(String key, String defaultValue) {
    Object v = raw(key);
    if (v == null) {
      return defaultValue;
    }
    if (v instanceof String s) {
      return s;
    }
    error(key, "expected a string, got " + describe(v) + (isScalar(v) ? " (put it in quotes)" : ""));
    return null;
  }

  /** Whether {@code key} has a value; when not, records that it is required. */
  boolean required(String key) {
    if (has(key)) {
      return true;
    }
    error(key, "required");
    return false;
  }

  /** A string that must be present and not blank. */
  String requiredString(String key) {
    if (!required(key)) {
      return null;
    }
    String s = string(key, null);
    if (s != null && s.isBlank()) {
      error(key, "must not be empty");
      return null;
    }
    return s;
  }

  /** One of {@code choices}, compared ignoring case and returned in lower case. */
  String choice(String key, List<String> choices, String defaultValue) {
    if (!has(key)) {
      return defaultValue;
    }
    String s = string(key, null);
    if (s == null) {
      return null;
    }
    String lower = s.toLowerCase(Locale.ROOT);
    if (!choices.contains(lower)) {
      error(key, "expected one of " + String.join(", ", choices) + ", got " + describe(s));
      return null;
    }
    return lower;
  }

  /**
   * An integer in {@code [min, max]}. YAML gives Integer, Long or BigInteger depending on the
   * magnitude; all are compared exactly, so {@code 99999999999999999999} is out of range, not wrapped.
   */
  Integer integer(String key, long min, long max, Integer defaultValue) {
    Object v = raw(key);
    if (v == null) {
      return defaultValue;
    }
    if (!(v instanceof Integer || v instanceof Long || v instanceof BigInteger)) {
      error(key, "expected an integer, got " + describe(v));
      return null;
    }
    BigInteger n = new BigInteger(v.toString());
    if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
      error(key, rangeProblem(Long.toString(min), Long.toString(max), max == Integer.MAX_VALUE, v.toString()));
      return null;
    }
    return n.intValueExact();
  }

  Boolean bool(String key, Boolean defaultValue) {
    Object v = raw(key);
    if (v == null) {
      return defaultValue;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    error(key, "expected true or false, got " + describe(v));
    return null;
  }

  /** A positive duration such as {@code 500ms}, {@code 5s}, {@code 10m}; see {@link DurationFormat}. */
  Duration duration(String key, Duration defaultValue) {
    Object v = raw(key);
    if (v == null) {
      return defaultValue;
    }
    Duration d = v instanceof String s ? DurationFormat.parse(s) : null;
    if (d == null) {
      error(key, "expected a duration like 500ms, 5s or 10m, got " + describe(v));
      return null;
    }
    if (d.isZero()) {
      error(key, "must be longer than 0, got " + describe(v));
      return null;
    }
    return d;
  }

  /** A size in bytes in {@code [min, max]}, such as {@code 64MiB}, {@code 16MB} or {@code 1048576}. */
  Long byteSize(String key, long min, long max, Long defaultValue) {
    Object v = raw(key);
    if (v == null) {
      return defaultValue;
    }
    long bytes = v instanceof String s ? ByteSizeFormat.parse(s)
        : v instanceof Integer || v instanceof Long ? ((Number) v).longValue() : -1;
    if (bytes < 0) {
      error(key, "expected a size like 64MiB, 16MB or a number of bytes, got " + describe(v));
      return null;
    }
    if (bytes < min || bytes > max) {
      error(key, rangeProblem(ByteSizeFormat.format(min), ByteSizeFormat.format(max), false, describe(v)));
      return null;
    }
    return bytes;
  }

  /**
   * A path to a file that must exist, resolved against {@code baseDir} (the config file's
   * directory) when relative. Null when the key is absent.
   */
  Path existingFile(String key, Path baseDir) {
    String s = string(key, null);
    if (s == null) {
      return null;
    }
    if (s.isBlank()) {
      error(key, "must not be empty");
      return null;
    }
    Path file = baseDir.resolve(s).toAbsolutePath().normalize();
    if (!Files.exists(file)) {
      error(key, "file not found: " + file);
      return null;
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      error(key, "not a readable file: " + file);
      return null;
    }
    return file;
  }

  /** A nested mapping; an absent key reads as an empty one. */
  ConfigSection section(String key) {
    return of(keyPath(key), raw(key), errors);
  }

  /**
   * A list of mappings; each element's path is {@code key[i]}. An absent key reads as empty. An
   * element that is not a mapping is reported and left out, so its keys are not reported missing.
   */
  List<ConfigSection> sections(String key) {
    Object v = raw(key);
    List<ConfigSection> items = new ArrayList<>();
    if (v == null) {
      return items;
    }
    if (!(v instanceof List<?> list)) {
      error(key, "expected a list, got " + describe(v));
      return items;
    }
    for (int i = 0; i < list.size(); i++) {
      String itemPath = keyPath(key) + "[" + i + "]";
      if (list.get(i) instanceof Map) {
        items.add(of(itemPath, list.get(i), errors));
      } else {
        errors.add(itemPath, "expected a mapping (key: value), got " + describe(list.get(i)));
      }
    }
    return items;
  }

  /** Like {@link #sections}, but an absent key or an empty list is an error. */
  List<ConfigSection> nonEmptySections(String key, String what) {
    Object v = raw(key);
    if (v == null || v instanceof List<?> list && list.isEmpty()) {
      error(key, "at least one " + what + " is required");
    }
    return sections(key);
  }

  /** Reports every key no getter asked for; call after reading the section. */
  void rejectUnknownKeys() {
    for (String key : values.keySet()) {
      if (!known.contains(key)) {
        String suggestion = KeySuggestion.closest(key, known);
        error(key, "unknown key" + (suggestion == null ? " (known keys: " + String.join(", ", known) + ")"
            : " (did you mean " + suggestion + "?)"));
      }
    }
  }

  private static String rangeProblem(String min, String max, boolean noUpperBound, String got) {
    return noUpperBound ? "must be at least " + min + ", got " + got
        : "must be between " + min + " and " + max + ", got " + got;
  }

  private static boolean isScalar(Object v) {
    return !(v instanceof Map || v instanceof List);
  }

  /** How a YAML value appears in an error message: strings quoted, collections named. */
  static String describe(Object v) {
    if (v == null) {
      return "nothing";
    }
    if (v instanceof String s) {
      return "\"" + s + "\"";
    }
    if (v instanceof Map) {
      return "a mapping";
    }
    if (v instanceof List) {
      return "a list";
    }
    if (v instanceof byte[]) {
      return "binary data";
    }
    return v.toString();
  }
}
