package io.tandem.server;

import java.nio.file.Path;

/**
 * Where the Tandem checkout lives: {@code bin/tandem} passes it as {@code -Dtandem.home}, so the
 * defaults ({@code conf/tandem.yaml}, {@code .tandem/sandbox}) are found whatever directory the
 * command runs from. Without it (a bare {@code java -cp …}), the working directory stands in.
 */
final class TandemHome {

  static final String PROPERTY = "tandem.home";

  private TandemHome() {}

  static Path resolve(String relative) {
    String home = System.getProperty(PROPERTY);
    Path base = home == null || home.isBlank() ? Path.of("") : Path.of(home);
    return base.resolve(relative).toAbsolutePath().normalize();
  }
}
