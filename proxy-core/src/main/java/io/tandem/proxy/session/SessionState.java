package io.tandem.proxy.session;

import io.tandem.proxy.protocol.ServerStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a client session has set up on the server side and a fresh backend connection must be
 * brought to: default schema, character set, autocommit, session variables (sql_mode included),
 * the multi-statements option, and what cannot be replayed (open transaction, prepared
 * statements, temporary tables, locks), which pins the session to its connection.
 */
public final class SessionState {

  private final String user;
  private final int collationId;
  private String schema;
  private String charsetStatement;
  private final Map<String, String> variables = new LinkedHashMap<>();
  private final Map<String, String> preparedTexts = new LinkedHashMap<>();
  private int serverStatus = ServerStatus.AUTOCOMMIT;
  private int preparedStatements;
  private Boolean multiStatements;
  /** {@link #key()}, computed on demand; null after every change. */
  private String key;

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
    key = null;
  }

  public int serverStatus() {
    return serverStatus;
  }

  /** Records the status flags of the last OK/EOF the server sent. */
  public void serverStatus(int status) {
    if (((status ^ serverStatus) & ServerStatus.AUTOCOMMIT) != 0) {
      key = null;
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
    this.charsetStatement = sql;
    key = null;
  }

  /**
   * A successful {@code SET} of session variables; a later SET of the same variable replaces
   * the earlier one. {@code key} identifies the variable(s) set.
   */
  public void variable(String key, String sql) {
    variables.remove(key);
    variables.put(key, sql);
    this.key = null;
  }

  /** A successful text {@code PREPARE name FROM ...}; replayed on new connections. */
  public void prepared(String name, String sql) {
    preparedTexts.remove(name);
    preparedTexts.put(name, sql);
    key = null;
  }

  /** A successful {@code DEALLOCATE PREPARE name}. */
  public void deallocated(String name) {
    preparedTexts.remove(name);
    key = null;
  }

  public void multiStatements(boolean on) {
    this.multiStatements = on;
    key = null;
  }

  /** Null when the client never sent COM_SET_OPTION. */
  public Boolean multiStatements() {
    return multiStatements;
  }

  /** Forgets everything COM_RESET_CONNECTION resets (schema and user stay). */
  public void reset() {
    charsetStatement = null;
    variables.clear();
    preparedTexts.clear();
    serverStatus = ServerStatus.AUTOCOMMIT;
    preparedStatements = 0;
    multiStatements = null;
    key = null;
  }

  /**
   * True when a new backend connection cannot take over: a transaction is open or prepared
   * statements exist on the current one.
   */
  public boolean pinned() {
    return inTransaction() || preparedStatements > 0;
  }

  /**
   * What a backend connection brought to this state (or left in it by a session in it) is in:
   * the schema, the replayed statements and the multi-statements option. Two sessions with equal
   * keys can use each other's connections without a replay; a fresh session in a schema has the
   * key of a fresh connection in it ({@link #freshKey}).
   */
  public String key() {
    String k = key;
    if (k == null) {
      StringBuilder b = new StringBuilder();
      b.append(schema == null ? "\u0001" : schema);
      for (String statement : replayStatements()) {
        b.append('\u0000').append(statement);
      }
      if (multiStatements != null) {
        b.append('\u0000').append(multiStatements ? "+multi" : "-multi");
      }
      k = b.toString();
      key = k;
    }
    return k;
  }

  /** The {@link #key()} of a connection that is fresh (logged in or reset) in {@code schema}. */
  public static String freshKey(String schema) {
    return schema == null ? "\u0001" : schema;
  }

  /** Statements that bring a freshly reset connection (same user, collation) to this state. */
  public List<String> replayStatements() {
    List<String> out = new ArrayList<>();
    if (charsetStatement != null) {
      out.add(charsetStatement);
    }
    out.addAll(variables.values());
    out.addAll(preparedTexts.values());
    if (!autocommit()) {
      out.add("SET autocommit=0");
    }
    return out;
  }
}
