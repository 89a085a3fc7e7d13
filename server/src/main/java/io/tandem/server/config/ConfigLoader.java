package io.tandem.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads and validates {@code tandem.yaml}. The YAML is loaded into plain maps and lists and
 * mapped by hand, so every key is checked and named in errors; nothing is bound by reflection.
 *
 * <p>The YAML 1.2 core schema is used: {@code true}/{@code false} are booleans, {@code ~} and
 * empty values are null, and {@code yes}/{@code on} stay strings (so {@code required: yes} is an
 * error, not a silent true). Duplicate keys are an error. Environment variables are not expanded.
 */
public final class ConfigLoader {

  private ConfigLoader() {}

  /** Loads {@code file}; relative paths inside it resolve against its directory. */
  public static TandemConfig load(Path file) throws ConfigException {
    return loadWithDocument(file).config();
  }

  /** A validated config and the YAML document it was read from (plain maps, lists and scalars). */
  public record Loaded(TandemConfig config, Object document) {}

  /** As {@link #load}, also giving the YAML document (for showing the file as it was read). */
  public static Loaded loadWithDocument(Path file) throws ConfigException {
    Path absolute = file.toAbsolutePath().normalize();
    String text;
    try {
      text = Files.readString(absolute, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException("config file not found: " + absolute);
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + absolute + ": " + e.getMessage());
    }
    Object document = document(text, absolute.toString());
    return new Loaded(new TandemConfigReader(absolute.getParent()).read(document), document);
  }

  /**
   * Validates config text that is not in a file (tests, generated configs).
   *
   * @param baseDir directory relative paths resolve against
   */
  public static TandemConfig parse(String yaml, Path baseDir) throws ConfigException {
    return parse(yaml, baseDir.toAbsolutePath().normalize(), "tandem.yaml");
  }

  private static TandemConfig parse(String yaml, Path baseDir, String label) throws ConfigException {
    return new TandemConfigReader(baseDir).read(document(yaml, label));
  }

  private static Object document(String yaml, String label) throws ConfigException {
    LoadSettings settings = LoadSettings.builder()
        .setLabel(label)
        .setSchema(new CoreSchema())
        .setAllowDuplicateKeys(false)
        .build();
    try {
      return new Load(settings).loadFromString(yaml);
    } catch (YamlEngineException e) {
      throw new ConfigException("not valid YAML: " + e.getMessage().strip());
    }
  }
}
