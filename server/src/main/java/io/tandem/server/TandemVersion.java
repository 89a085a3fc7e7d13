package io.tandem.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Tandem's version, from the build. */
public final class TandemVersion {

  private static final String VERSION = read();

  private TandemVersion() {}

  public static String get() {
    return VERSION;
  }

  private static String read() {
    try (InputStream in = TandemVersion.class.getResourceAsStream("version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      String v = p.getProperty("version", "unknown");
      return v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      return "unknown";
    }
  }
}
