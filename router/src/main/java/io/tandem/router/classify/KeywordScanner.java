package io.tandem.router.classify;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cheap path: classifies a statement by its leading keywords, without JSqlParser, whenever
 * they settle the question (transaction control, SET, USE, SHOW, DML, DDL, LOCK, CALL, PREPARE,
 * …). Returns null for SELECT-like statements ({@code SELECT}, {@code WITH}, {@code (},
 * {@code VALUES}, {@code TABLE}) and for unknown first words, which go to the parser.
 */
final class KeywordScanner {

  /** Classifies an inner statement (of EXPLAIN, SET STATEMENT … FOR). */
  interface Inner {
    StatementTraits classify(SqlTokens t, int from, int to);
  }

  private KeywordScanner() {
  }

  /** Words that start statements which only ever run on the master and need no further look. */
  private static final Set<String> MASTER_ONLY = Set.of(
      "GRANT", "REVOKE", "FLUSH", "RESET", "PURGE", "CHANGE", "STOP", "OPTIMIZE", "REPAIR", "CHECK",
      "CHECKSUM", "INSTALL", "UNINSTALL", "SHUTDOWN", "RESTART", "BINLOG", "CACHE", "LOAD", "HANDLER",
      "SIGNAL", "RESIGNAL", "HELP", "BACKUP", "CLONE", "IMPORT", "DECLARE", "IF", "WHILE", "LOOP",
      "REPEAT", "CASE", "LEAVE", "ITERATE", "RETURN", "OPEN", "CLOSE", "FETCH");

  /** SHOW statements about schema metadata, the same on every server: may run on a replica. */
  private static final Set<String> SHOW_REPLICA_SAFE = Set.of(
      "DATABASES", "SCHEMAS", "TABLES", "TABLE", "COLUMNS", "FIELDS", "INDEX", "INDEXES", "KEYS", "CREATE",
      "TRIGGERS", "EVENTS", "PROCEDURE", "FUNCTION", "PACKAGE", "CHARACTER", "CHARSET", "COLLATION",
      "ENGINES", "PLUGINS", "PRIVILEGES", "GRANTS", "AUTHORS", "CONTRIBUTORS", "LOCALES");

  /** SHOW statements about the previous statement on the same connection. */
  private static final Set<String> SHOW_PREVIOUS = Set.of("WARNINGS", "ERRORS", "COUNT", "PROFILE", "PROFILES");

  static StatementTraits scan(SqlTokens t, int from, int to, Inner inner) {
    if (t.type[from] != SqlTokens.WORD || t.is(from, "SELECT")) {
      return null; // SELECT, "(SELECT …) UNION …" and the odd statement: the parser decides
    }
    String first = t.upper(from);
    switch (first) {
      case "SELECT":
      case "WITH":
      case "VALUES":
      case "TABLE":
        return null;
      case "SHOW":
        return show(t, from, to, inner);
      case "DESCRIBE":
      case "DESC":
      case "EXPLAIN":
        return explain(t, from, to, inner, false);
      case "ANALYZE":
        if (!t.is(from + 1, to, "TABLE") && !t.is(from + 1, to, "TABLES")
            && (startsStatement(t, from + 1, to) || t.is(from + 1, to, "FORMAT"))) {
          return explain(t, from, to, inner, true);
        }
        return simple(t, from, to, StatementKind.OTHER);
      case "INSERT":
        return simple(t, from, to, StatementKind.INSERT);
      case "REPLACE":
        return simple(t, from, to, StatementKind.REPLACE);
      case "UPDATE":
        return simple(t, from, to, StatementKind.UPDATE);
      case "DELETE":
        return simple(t, from, to, StatementKind.DELETE);
      case "TRUNCATE":
        return simple(t, from, to, StatementKind.DDL);
      case "CREATE":
        return create(t, from, to);
      case "DROP":
        return drop(t, from, to);
      case "ALTER":
        return alter(t, from, to);
      case "RENAME":
        return rename(t, from, to);
      case "SET":
        return set(t, from, to, inner);
      case "USE": {
        StatementTraits.Builder b = builder(t, from, to, StatementKind.USE);
        int[] next = new int[1];
        b.schema = t.qualifiedName(from + 1, to, next);
        b.replayable = true;
        return b.build();
      }
      case "BEGIN":
        if (t.is(from + 1, to, "NOT") && t.is(from + 2, to, "ATOMIC")) {
          return simple(t, from, to, StatementKind.OTHER); // a compound statement
        }
        return simple(t, from, to, StatementKind.BEGIN);
      case "START":
        if (t.is(from + 1, to, "TRANSACTION")) {
          return startTransaction(t, from, to);
        }
        return simple(t, from, to, StatementKind.OTHER); // START SLAVE / REPLICA …
      case "COMMIT":
        return endTransaction(t, from, to, StatementKind.COMMIT);
      case "ROLLBACK": {
        int k = from + 1;
        if (t.is(k, to, "WORK")) {
          k++;
        }
        if (t.is(k, to, "TO")) {
          return simple(t, from, to, StatementKind.SAVEPOINT);
        }
        return endTransaction(t, from, to, StatementKind.ROLLBACK);
      }
      case "SAVEPOINT":
        return simple(t, from, to, StatementKind.SAVEPOINT);
      case "RELEASE":
        return simple(t, from, to, t.is(from + 1, to, "SAVEPOINT") ? StatementKind.SAVEPOINT : StatementKind.OTHER);
      case "LOCK":
        return simple(t, from, to, t.is(from + 1, to, "TABLES") || t.is(from + 1, to, "TABLE")
            ? StatementKind.LOCK_TABLES : StatementKind.OTHER);
      case "UNLOCK":
        return simple(t, from, to, t.is(from + 1, to, "TABLES") || t.is(from + 1, to, "TABLE")
            ? StatementKind.UNLOCK_TABLES : StatementKind.OTHER);
      case "CALL":
        return simple(t, from, to, StatementKind.CALL);
      case "DO":
        return simple(t, from, to, StatementKind.DO);
      case "KILL":
        return simple(t, from, to, StatementKind.KILL);
      case "PREPARE":
        return prepare(t, from, to);
      case "EXECUTE":
        return execute(t, from, to);
      case "DEALLOCATE": {
        StatementTraits.Builder b = builder(t, from, to, StatementKind.DEALLOCATE);
        int k = t.is(from + 1, to, "PREPARE") ? from + 2 : from + 1;
        b.statementName = k < to ? t.identifier(k) : null;
        b.replayable = true;
        return b.build();
      }
      case "XA":
        return xa(t, from, to);
      case "GET": {
        StatementTraits.Builder b = builder(t, from, to, StatementKind.DIAGNOSTICS);
        b.followsPrevious = true; // GET [CURRENT|STACKED] DIAGNOSTICS
        b.writesUserVariables = b.readsUserVariables; // GET DIAGNOSTICS @n = NUMBER assigns @n
        b.readsUserVariables = false;
        return b.build();
      }
      default:
        if (MASTER_ONLY.contains(first)) {
          return simple(t, from, to, StatementKind.OTHER);
        }
        if (from + 1 < to && t.type[from + 1] == SqlTokens.OP && t.text(from + 1).equals(":")) {
          return simple(t, from, to, StatementKind.OTHER); // label: BEGIN … END
        }
        return null;
    }
  }

  private static boolean startsStatement(SqlTokens t, int k, int to) {
    return k < to && (t.type[k] == SqlTokens.LPAREN || t.is(k, "SELECT") || t.is(k, "WITH")
        || t.is(k, "TABLE") || t.is(k, "VALUES") || t.is(k, "INSERT") || t.is(k, "UPDATE")
        || t.is(k, "DELETE") || t.is(k, "REPLACE"));
  }

  private static StatementTraits.Builder builder(SqlTokens t, int from, int to, StatementKind kind) {
    StatementTraits.Builder b = new StatementTraits.Builder(kind);
    b.digest = t.digest(from, to);
    b.facts(TokenFacts.scan(t, from, to));
    return b;
  }

  private static StatementTraits simple(SqlTokens t, int from, int to, StatementKind kind) {
    return builder(t, from, to, kind).build();
  }

  // ------------------------------------------------------------------ SHOW, EXPLAIN

  private static StatementTraits show(SqlTokens t, int from, int to, Inner inner) {
    StatementTraits.Builder b = new StatementTraits.Builder(StatementKind.SHOW);
    b.digest = t.digest(from, to);
    TokenFacts f = TokenFacts.scan(t, from, to);
    b.facts(f);
    int k = from + 1;
    while (k < to && (t.is(k, "FULL") || t.is(k, "EXTENDED") || t.is(k, "STORAGE"))) {
      k++;
    }
    String what = k < to && t.type[k] == SqlTokens.WORD ? t.upper(k) : "";
    if (SHOW_PREVIOUS.contains(what)) {
      b.followsPrevious = true;
      return b.build();
    }
    if (what.equals("EXPLAIN") || what.equals("ANALYZE")) {
      b.kind = StatementKind.EXPLAIN; // SHOW EXPLAIN|ANALYZE FOR <thread>: about a master connection
      return b.build();
    }
    if (!SHOW_REPLICA_SAFE.contains(what)) {
      return b.build(); // master, binlogs, replication, processlist, status, variables, engine, …
    }
    int[] next = new int[1];
    switch (what) {
      case "CREATE":
        if (t.is(k + 1, to, "TABLE") || t.is(k + 1, to, "VIEW") || t.is(k + 1, to, "SEQUENCE")) {
          String name = t.qualifiedName(k + 2, to, next);
          if (name != null) {
            b.tables = Set.of(name);
          }
        }
        break;
      case "COLUMNS":
      case "FIELDS":
      case "INDEX":
      case "INDEXES":
      case "KEYS":
        if (t.is(k + 1, to, "FROM") || t.is(k + 1, to, "IN")) {
          String name = t.qualifiedName(k + 2, to, next);
          if (name != null) {
            int n = next[0];
            if ((t.is(n, to, "FROM") || t.is(n, to, "IN")) && name.indexOf('.') < 0) {
              String db = t.qualifiedName(n + 1, to, next);
              if (db != null) {
                name = db + "." + name;
              }
            }
            b.tables = Set.of(name);
          }
        }
        break;
      default:
        break;
    }
    b.readOnly = f.functionsReplicaSafe && !f.masterSystemVariable && !f.subquery && !f.sequence
        && !f.writesUserVariables;
    return b.build();
  }

  private static StatementTraits explain(SqlTokens t, int from, int to, Inner inner, boolean analyze) {
    int k = from + 1;
    while (k < to) {
      if (t.is(k, "EXTENDED") || t.is(k, "PARTITIONS")) {
        k++;
      } else if (t.is(k, "ANALYZE")) {
        analyze = true;
        k++;
      } else if (t.is(k, "FORMAT") && k + 2 < to && t.type[k + 1] == SqlTokens.OP) {
        k += 3; // FORMAT = JSON|TREE|TRADITIONAL
      } else {
        break;
      }
    }
    if (t.is(k, to, "FOR") && (t.is(k + 1, to, "CONNECTION") || t.is(k + 1, to, "QUERY"))) {
      return simple(t, from, to, StatementKind.EXPLAIN); // about a connection of the master
    }
    if (startsStatement(t, k, to)) {
      StatementTraits in = inner.classify(t, k, to);
      StatementTraits.Builder b;
      if (analyze) {
        b = in.toBuilder(); // the statement runs: everything it does counts
      } else {
        b = new StatementTraits.Builder(StatementKind.EXPLAIN);
        b.tables = in.tables();
        b.functions = in.functions();
        b.unparsed = in.unparsed();
        b.readsUserVariables = in.readsUserVariables(); // the plan depends on their values
      }
      b.kind = StatementKind.EXPLAIN;
      b.digest = t.digest(from, to);
      b.readOnly = in.kind() == StatementKind.SELECT && in.readOnly();
      b.multiStatement = false;
      b.statements = List.of();
      return b.build();
    }
    // DESCRIBE t [column]: the table form, like SHOW COLUMNS
    StatementTraits.Builder b = builder(t, from, to, StatementKind.SHOW);
    int[] next = new int[1];
    String name = t.qualifiedName(k, to, next);
    if (name != null) {
      b.tables = Set.of(name);
      b.readOnly = true;
    }
    return b.build();
  }

  // ------------------------------------------------------------------ DDL

  private static StatementTraits create(SqlTokens t, int from, int to) {
    StatementTraits.Builder b = builder(t, from, to, StatementKind.DDL);
    int k = from + 1;
    if (t.is(k, to, "OR") && t.is(k + 1, to, "REPLACE")) {
      k += 2;
    }
    if (t.is(k, to, "TEMPORARY") && (t.is(k + 1, to, "TABLE") || t.is(k + 1, to, "SEQUENCE"))) {
      k += 2;
      if (t.is(k, to, "IF") && t.is(k + 1, to, "NOT") && t.is(k + 2, to, "EXISTS")) {
        k += 3;
      }
      int[] next = new int[1];
      String name = t.qualifiedName(k, to, next);
      if (name != null) {
        b.createsTemporaryTable = true;
        b.temporaryTable = name;
      }
    }
    return b.build();
  }

  private static StatementTraits drop(SqlTokens t, int from, int to) {
    if (t.is(from + 1, to, "PREPARE")) {
      StatementTraits.Builder b = builder(t, from, to, StatementKind.DEALLOCATE);
      b.statementName = from + 2 < to ? t.identifier(from + 2) : null;
      b.replayable = true;
      return b.build();
    }
    StatementTraits.Builder b = builder(t, from, to, StatementKind.DDL);
    int k = from + 1;
    if (t.is(k, to, "TEMPORARY")) {
      k++;
    }
    if (t.is(k, to, "TABLE") || t.is(k, to, "TABLES") || t.is(k, to, "SEQUENCE")) {
      k++;
      if (t.is(k, to, "IF") && t.is(k + 1, to, "EXISTS")) {
        k += 2;
      }
      List<String> names = new ArrayList<>();
      int[] next = new int[1];
      while (k < to) {
        String name = t.qualifiedName(k, to, next);
        if (name == null) {
          break;
        }
        names.add(name);
        k = next[0];
        if (k < to && t.type[k] == SqlTokens.COMMA) {
          k++;
        } else {
          break;
        }
      }
      b.droppedTables = List.copyOf(names);
    }
    return b.build();
  }

  private static StatementTraits alter(SqlTokens t, int from, int to) {
    StatementTraits.Builder b = builder(t, from, to, StatementKind.DDL);
    int k = from + 1;
    while (t.is(k, to, "ONLINE") || t.is(k, to, "IGNORE")) {
      k++;
    }
    if (!t.is(k, to, "TABLE")) {
      return b.build();
    }
    k++;
    if (t.is(k, to, "IF") && t.is(k + 1, to, "EXISTS")) {
      k += 2;
    }
    int[] next = new int[1];
    String table = t.qualifiedName(k, to, next);
    if (table == null) {
      return b.build();
    }
    int depth = 0;
    for (int i = next[0]; i < to; i++) {
      byte ty = t.type[i];
      if (ty == SqlTokens.LPAREN) {
        depth++;
      } else if (ty == SqlTokens.RPAREN) {
        depth--;
      } else if (depth == 0 && t.is(i, "RENAME") && !t.is(i + 1, to, "COLUMN") && !t.is(i + 1, to, "INDEX")
          && !t.is(i + 1, to, "KEY") && !t.is(i + 1, to, "CONSTRAINT")) {
        int n = i + 1;
        if (t.is(n, to, "TO") || t.is(n, to, "AS")) {
          n++;
        }
        String newName = t.qualifiedName(n, to, next);
        if (newName != null) {
          b.renamedTables = Map.of(table, newName);
        }
        break;
      }
    }
    return b.build();
  }

  private static StatementTraits rename(SqlTokens t, int from, int to) {
    StatementTraits.Builder b = builder(t, from, to, StatementKind.DDL);
    if (!t.is(from + 1, to, "TABLE") && !t.is(from + 1, to, "TABLES")) {
      b.kind = StatementKind.OTHER; // RENAME USER
      return b.build();
    }
    Map<String, String> renamed = new LinkedHashMap<>();
    int k = from + 2;
    int[] next = new int[1];
    while (k < to) {
      String a = t.qualifiedName(k, to, next);
      if (a == null || !t.is(next[0], to, "TO")) {
        break;
      }
      String c = t.qualifiedName(next[0] + 1, to, next);
      if (c == null) {
        break;
      }
      renamed.put(a, c);
      k = next[0];
      if (k < to && t.type[k] == SqlTokens.COMMA) {
        k++;
      } else {
        break;
      }
    }
    b.renamedTables = Collections.unmodifiableMap(renamed);
    return b.build();
  }

  // ------------------------------------------------------------------ transactions

  private static StatementTraits startTransaction(SqlTokens t, int from, int to) {
    boolean readOnly = false;
    for (int k = from + 2; k + 1 < to; k++) {
      if (t.is(k, "READ") && t.is(k + 1, "ONLY")) {
        readOnly = true;
      }
    }
    return simple(t, from, to, readOnly ? StatementKind.BEGIN_READ_ONLY : StatementKind.BEGIN);
  }

  private static StatementTraits endTransaction(SqlTokens t, int from, int to, StatementKind kind) {
    StatementTraits.Builder b = builder(t, from, to, kind);
    for (int k = from + 1; k + 1 < to; k++) {
      if (t.is(k, "AND") && t.is(k + 1, "CHAIN")) {
        b.chain = true;
      }
    }
    return b.build();
  }

  private static StatementTraits xa(SqlTokens t, int from, int to) {
    StatementKind kind = StatementKind.OTHER;
    if (t.is(from + 1, to, "START") || t.is(from + 1, to, "BEGIN")) {
      kind = StatementKind.BEGIN;
    } else if (t.is(from + 1, to, "COMMIT")) {
      kind = StatementKind.COMMIT;
    } else if (t.is(from + 1, to, "ROLLBACK")) {
      kind = StatementKind.ROLLBACK;
    }
    return simple(t, from, to, kind);
  }

  // ------------------------------------------------------------------ SET

  private static StatementTraits set(SqlTokens t, int from, int to, Inner inner) {
    int k = from + 1;
    if (t.is(k, to, "STATEMENT")) {
      // MariaDB: SET STATEMENT var = value [, …] FOR <statement>: the statement is what runs
      int depth = 0;
      for (int i = k + 1; i < to; i++) {
        if (t.type[i] == SqlTokens.LPAREN) {
          depth++;
        } else if (t.type[i] == SqlTokens.RPAREN) {
          depth--;
        } else if (depth == 0 && t.is(i, "FOR") && i + 1 < to) {
          StatementTraits in = inner.classify(t, i + 1, to);
          StatementTraits.Builder b = in.toBuilder();
          b.digest = t.digest(from, to);
          return b.build();
        }
      }
      return simple(t, from, to, StatementKind.OTHER);
    }
    TransactionSettings.Scope scope = null;
    if (t.is(k, to, "GLOBAL") || t.is(k, to, "PERSIST") || t.is(k, to, "PERSIST_ONLY")) {
      scope = TransactionSettings.Scope.GLOBAL;
    } else if (t.is(k, to, "SESSION") || t.is(k, to, "LOCAL")) {
      scope = TransactionSettings.Scope.SESSION;
    }
    int afterScope = scope == null ? k : k + 1;
    if (t.is(afterScope, to, "TRANSACTION")) {
      return setTransaction(t, from, to, afterScope + 1,
          scope == null ? TransactionSettings.Scope.NEXT_TRANSACTION : scope);
    }
    TokenFacts f = TokenFacts.scan(t, from, to);
    StatementTraits.Builder b = new StatementTraits.Builder(StatementKind.SET);
    b.digest = t.digest(from, to);
    b.facts(f);
    if (t.is(k, to, "PASSWORD") || (t.is(k, to, "DEFAULT") && t.is(k + 1, to, "ROLE"))) {
      b.kind = StatementKind.OTHER; // changes the mysql schema: once, on the master
      return b.build();
    }
    b.replayable = f.functionsDeterministic && !f.subquery;
    // SET NAMES …, SET CHARACTER SET …, SET ROLE … read as assignments to a harmless name below,
    // so that SET NAMES utf8mb4, autocommit = 0 is seen whole.
    boolean global = false;
    boolean anyGlobal = false;
    IsolationLevel isolation = null;
    Boolean txReadOnly = null;
    boolean txGlobal = false;
    int a = k;
    while (a < to) {
      int e = assignmentEnd(t, a, to);
      // [GLOBAL|SESSION|LOCAL|PERSIST|PERSIST_ONLY] name = value, the modifier carrying over
      int n = a;
      if (t.is(n, "GLOBAL") || t.is(n, "PERSIST") || t.is(n, "PERSIST_ONLY")) {
        global = true;
        n++;
      } else if (t.is(n, "SESSION") || t.is(n, "LOCAL")) {
        global = false;
        n++;
      }
      if (n < e) {
        byte ty = t.type[n];
        String name = null;
        boolean thisGlobal = global;
        if (ty == SqlTokens.USER_VAR) {
          b.writesUserVariables = true;
        } else if (ty == SqlTokens.SYS_VAR) {
          boolean[] g = new boolean[1];
          name = Functions.systemVariableName(t.text(n), g);
          thisGlobal = g[0] || (global && !t.text(n).contains("."));
        } else if (ty == SqlTokens.WORD || ty == SqlTokens.QUOTED) {
          name = t.identifier(n).toLowerCase(java.util.Locale.ROOT);
        }
        anyGlobal |= thisGlobal;
        int v = n + 1;
        if (v < e && t.type[v] == SqlTokens.OP) {
          v++; // = or :=
        }
        if (name != null) {
          switch (name) {
            case "autocommit":
              if (!thisGlobal) {
                b.autocommit = booleanValue(t, v, e);
              }
              break;
            case "tx_isolation":
            case "transaction_isolation": {
              IsolationLevel level = v + 1 == e && (t.type[v] == SqlTokens.STRING || t.type[v] == SqlTokens.WORD)
                  ? IsolationLevel.fromText(t.type[v] == SqlTokens.STRING ? t.stringValue(v) : t.text(v))
                  : null;
              isolation = level != null ? level : IsolationLevel.SERIALIZABLE; // unknown: assume the strictest
              txGlobal = thisGlobal;
              break;
            }
            case "sql_log_bin":
              if (!thisGlobal) {
                b.binaryLog = booleanValue(t, v, e);
              }
              break;
            case "tx_read_only":
            case "transaction_read_only":
              txReadOnly = booleanValue(t, v, e);
              txGlobal = thisGlobal;
              break;
            default:
              break;
          }
        }
      }
      a = e + 1;
    }
    if (isolation != null || txReadOnly != null) {
      b.transaction = new TransactionSettings(isolation,
          txGlobal ? TransactionSettings.Scope.GLOBAL : TransactionSettings.Scope.SESSION, txReadOnly);
    }
    if (anyGlobal) {
      b.kind = StatementKind.OTHER; // server configuration: once, on the master, never replayed
      b.replayable = false;
    }
    return b.build();
  }

  /** The index of the comma that ends the assignment starting at {@code a} (or {@code to}). */
  private static int assignmentEnd(SqlTokens t, int a, int to) {
    int depth = 0;
    for (int i = a; i < to; i++) {
      byte ty = t.type[i];
      if (ty == SqlTokens.LPAREN) {
        depth++;
      } else if (ty == SqlTokens.RPAREN) {
        depth--;
      } else if (ty == SqlTokens.COMMA && depth == 0) {
        return i;
      }
    }
    return to;
  }

  /**
   * 1/0, ON/OFF, TRUE/FALSE, 'ON'/'OFF'; anything else (a variable, an expression, DEFAULT)
   * reads as FALSE, the value that keeps a session on the master.
   */
  private static Boolean booleanValue(SqlTokens t, int v, int e) {
    if (v + 1 != e) {
      return Boolean.FALSE;
    }
    String s;
    switch (t.type[v]) {
      case SqlTokens.NUMBER:
        s = t.text(v);
        try {
          return Double.parseDouble(s) != 0;
        } catch (NumberFormatException ex) {
          return Boolean.FALSE;
        }
      case SqlTokens.STRING:
        s = t.stringValue(v).trim();
        break;
      case SqlTokens.WORD:
        s = t.text(v);
        break;
      default:
        return Boolean.FALSE;
    }
    return s.equalsIgnoreCase("ON") || s.equalsIgnoreCase("TRUE") || s.equals("1");
  }

  private static StatementTraits setTransaction(SqlTokens t, int from, int to, int k,
      TransactionSettings.Scope scope) {
    StatementTraits.Builder b = builder(t, from, to, StatementKind.SET_TRANSACTION);
    IsolationLevel isolation = null;
    Boolean readOnly = null;
    while (k < to) {
      if (t.is(k, "ISOLATION") && t.is(k + 1, to, "LEVEL")) {
        k += 2;
        if (t.is(k, to, "SERIALIZABLE")) {
          isolation = IsolationLevel.SERIALIZABLE;
          k++;
        } else if (t.is(k, to, "REPEATABLE") && t.is(k + 1, to, "READ")) {
          isolation = IsolationLevel.REPEATABLE_READ;
          k += 2;
        } else if (t.is(k, to, "READ") && t.is(k + 1, to, "COMMITTED")) {
          isolation = IsolationLevel.READ_COMMITTED;
          k += 2;
        } else if (t.is(k, to, "READ") && t.is(k + 1, to, "UNCOMMITTED")) {
          isolation = IsolationLevel.READ_UNCOMMITTED;
          k += 2;
        } else {
          isolation = IsolationLevel.SERIALIZABLE; // unreadable: assume the strictest
          k++;
        }
      } else if (t.is(k, "READ") && t.is(k + 1, to, "ONLY")) {
        readOnly = Boolean.TRUE;
        k += 2;
      } else if (t.is(k, "READ") && t.is(k + 1, to, "WRITE")) {
        readOnly = Boolean.FALSE;
        k += 2;
      } else {
        k++;
      }
    }
    b.transaction = new TransactionSettings(isolation, scope, readOnly);
    b.replayable = scope != TransactionSettings.Scope.GLOBAL;
    if (scope == TransactionSettings.Scope.GLOBAL) {
      b.kind = StatementKind.OTHER; // new sessions of that server only: once, on the master
    }
    return b.build();
  }

  // ------------------------------------------------------------------ prepared statements

  private static StatementTraits prepare(SqlTokens t, int from, int to) {
    StatementTraits.Builder b = builder(t, from, to, StatementKind.PREPARE);
    b.statementName = from + 1 < to ? t.identifier(from + 1) : null;
    int k = from + 2;
    if (t.is(k, to, "FROM") && k + 1 < to && t.type[k + 1] == SqlTokens.STRING && k + 2 == to) {
      b.preparedText = t.stringValue(k + 1);
    }
    b.replayable = true;
    return b.build();
  }

  private static StatementTraits execute(SqlTokens t, int from, int to) {
    StatementTraits.Builder b = builder(t, from, to, StatementKind.EXECUTE);
    if (t.is(from + 1, to, "IMMEDIATE")) {
      if (from + 2 < to && t.type[from + 2] == SqlTokens.STRING) {
        b.preparedText = t.stringValue(from + 2);
      }
      return b.build();
    }
    b.statementName = from + 1 < to ? t.identifier(from + 1) : null;
    return b.build();
  }
}
