package io.tandem.proxy.session;

import io.tandem.proxy.protocol.ServerStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a client session has set up on the server side and a fresh backend connection must be
 * brought to: default schema, character set, autocommit, session variables (sql_mode included),
 * the multi-statements option; and the server status and open prepared statements, which
 * (with what else cannot be replayed) keep a session on its connection ({@link PinReason}).
 */
public final class SessionState {

  /** The key of {@code SET NAMES} / {@code SET CHARACTER SET} among the variables (no variable's name has a space). */
  private static final String CHARSET_KEY = " charset";

  private final String user;
  private final int collationId;
  private String schema;
  /**
   * The SET statements to replay, latest per variable (the charset statements under
   * {@link #CHARSET_KEY}), in the order they last ran: a SET may read what an earlier one set
   * ({@code SET @saved = @@character_set_client} before {@code SET NAMES utf8}).
   */
  private final Map<String, String> variables = new LinkedHashMap<>();
  private final Map<String, String> preparedTexts = new LinkedHashMap<>();
  private int serverStatus = ServerStatus.AUTOCOMMIT;
  private int preparedStatements;
  private Boolean multiStatements;
  /** {@link #key()}, computed on demand. */
  private String key;
  /** {@link #key} is up to date (false after every change). */
  private boolean keyKnown;

  public SessionState(String user, int collationId, String schema) {
    this.user = user;
    this.collationId = collationId;
    this.schema = schema;
  }

  public String user() {
    return user;
  }

  public int collationId() {
    return collationId;
  }

  public String schema() {
    return schema;
  }

  public void schema(String schema) {
    this.schema = schema;
  }

  public int serverStatus() {
    return serverStatus;
  }

  /** Records the status flags of the last OK/EOF the server sent. */
  public void serverStatus(int status) {
    if (((status ^ serverStatus) & ServerStatus.AUTOCOMMIT) != 0) {
      keyKnown = false;
    }
    this.serverStatus = status;
  }

  public boolean inTransaction() {
    return (serverStatus & ServerStatus.IN_TRANS) != 0;
  }

  public boolean autocommit() {
    return (serverStatus & ServerStatus.AUTOCOMMIT) != 0;
  }

  public void preparedStatementOpened() {
    preparedStatements++;
  }

  public void preparedStatementClosed() {
    if (preparedStatements > 0) {
      preparedStatements--;
    }
  }

  public int preparedStatements() {
    return preparedStatements;
  }

  /** Text-protocol statements are PREPAREd (and not deallocated). */
  public boolean hasPreparedTexts() {
    return !preparedTexts.isEmpty();
  }

  /** A successful {@code SET NAMES ...} / {@code SET CHARACTER SET ...}: replayed verbatim. */
  public void charsetStatement(String sql) {
    variable(CHARSET_KEY, sql);
  }

  /**
   * A successful {@code SET} of session variables; a later SET of the same variable replaces
   * the earlier one. {@code key} identifies the variable(s) set.
   */
  public void variable(String key, String sql) {
    variables.remove(key);
    variables.put(key, sql);
    keyKnown = false;
  }

  /** A successful text {@code PREPARE name FROM ...}; replayed on new connections. */
  public void prepared(String name, String sql) {
    preparedTexts.remove(name);
    preparedTexts.put(name, sql);
    keyKnown = false;
  }

  /** A successful {@code DEALLOCATE PREPARE name}. */
  public void deallocated(String name) {
    preparedTexts.remove(name);
    keyKnown = false;
  }

  public void multiStatements(boolean on) {
    this.multiStatements = on;
    keyKnown = false;
  }

  /** Null when the client never sent COM_SET_OPTION. */
  public Boolean multiStatements() {
    return multiStatements;
  }

  /** Forgets everything COM_RESET_CONNECTION resets (schema and user stay). */
  public void reset() {
    variables.clear();
    preparedTexts.clear();
    serverStatus = ServerStatus.AUTOCOMMIT;
    preparedStatements = 0;
    multiStatements = null;
    keyKnown = false;
  }

  /**
   * What a backend connection brought to this state (or left in it by a session in it) has on it
   * besides its schema: the replayed statements and the multi-statements option; null when there
   * is nothing, as on a fresh connection (logged in or reset). Two sessions with equal keys (and
   * schemas) can use each other's connections without a replay.
   */
  public String key() {
    if (!keyKnown) {
      StringBuilder b = new StringBuilder();
      for (String statement : replayStatements()) {
        b.append(statement).append('\u0000');
      }
      if (multiStatements != null) {
        b.append(multiStatements ? "+multi" : "-multi");
      }
      key = b.isEmpty() ? null : b.toString();
      keyKnown = true;
    }
    return key;
  }

  /** Statements that bring a freshly reset connection (same user, collation) to this state. */
  public List<String> replayStatements() {
    List<String> out = new ArrayList<>(variables.values());
    out.addAll(preparedTexts.values());
    if (!autocommit()) {
      out.add("SET autocommit=0");
    }
    return out;
  }
}
