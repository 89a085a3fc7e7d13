package io.tandem.proxy.frontend;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code KILL [CONNECTION | QUERY] n}: n is the id the proxy gave a client, so the proxy carries
 * it out itself (on the right backend thread). Other forms ({@code KILL USER}, {@code KILL QUERY
 * ID}, {@code HARD/SOFT}) are relayed to the backend unchanged.
 */
record KillStatement(long id, boolean queryOnly) {

  private static final Pattern KILL = Pattern.compile(
      "(?is)\\s*(?:/\\*.*?\\*/\\s*)*KILL\\s+(?:(CONNECTION|QUERY)\\s+)?(\\d{1,10})\\s*;?\\s*");

  static KillStatement parse(String sql) {
    Matcher m = KILL.matcher(sql);
    if (!m.matches()) {
      return null;
    }
    return new KillStatement(Long.parseLong(m.group(2)), "QUERY".equalsIgnoreCase(m.group(1)));
  }
}
