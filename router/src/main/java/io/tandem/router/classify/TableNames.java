package io.tandem.router.classify;

import java.util.Locale;
import java.util.Set;

/** What a statement's table names ({@link StatementTraits#tables()}, as written) say about where it may run. */
public final class TableNames {

  /**
   * The {@code INFORMATION_SCHEMA} tables that hold a server's runtime (processes, locks,
   * transactions, status, variables, statistics), not the data.
   */
  private static final Set<String> RUNTIME_TABLES = Set.of("processlist", "global_status", "session_status",
      "global_variables", "session_variables", "user_variables", "innodb_trx", "innodb_locks", "innodb_lock_waits",
      "metadata_lock_info", "user_statistics", "client_statistics", "index_statistics", "table_statistics",
      "query_cache_info", "innodb_metrics", "innodb_buffer_pool_stats", "thread_pool_groups", "thread_pool_queues",
      "thread_pool_stats", "thread_pool_waits", "optimizer_trace", "query_response_time", "innodb_cmp",
      "innodb_cmpmem");

  private TableNames() {}

  /** A table name as written ({@code t}, {@code db.t}), lower case and without backticks. */
  public static String normalized(String table) {
    return table.toLowerCase(Locale.ROOT).replace("`", "");
  }

  /**
   * Whether {@code tables} name what a server knows of its own sessions and counters:
   * {@code PERFORMANCE_SCHEMA}, {@code sys}, and the runtime tables of {@code INFORMATION_SCHEMA}.
   * Such reads go to the master, where the session's statements ran (as SHOW PROCESSLIST and SHOW
   * STATUS do). Unqualified names are tables of the current schema.
   */
  static boolean serverRuntime(Set<String> tables) {
    for (String table : tables) {
      String name = normalized(table);
      int dot = name.indexOf('.');
      if (dot < 0) {
        continue;
      }
      String schema = name.substring(0, dot);
      if (schema.equals("performance_schema") || schema.equals("sys")
          || (schema.equals("information_schema") && RUNTIME_TABLES.contains(name.substring(dot + 1)))) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code tables} name {@code INFORMATION_SCHEMA.OPTIMIZER_TRACE}. */
  static boolean optimizerTrace(Set<String> tables) {
    for (String table : tables) {
      if (normalized(table).equals("information_schema.optimizer_trace")) {
        return true;
      }
    }
    return false;
  }
}
