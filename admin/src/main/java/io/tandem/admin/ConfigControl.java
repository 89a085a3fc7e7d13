package io.tandem.admin;

import java.util.List;

/** The configuration file behind the running proxy, for {@code SHOW CONFIG} and {@code RELOAD CONFIG}. */
public interface ConfigControl {

  /** The running configuration as (key, value) pairs in file order, passwords masked. */
  List<String[]> show();

  /**
   * Reads the file again and applies what can change while clients stay connected. Returns one
   * line per change applied (or that nothing changed); a file that does not validate, or that
   * changes what needs a restart, is rejected whole: nothing is applied and the exception's message
   * lists every reason.
   */
  List<String> reload() throws Exception;
}
