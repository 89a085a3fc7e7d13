package io.tandem.router.classify;

import java.util.Locale;
import java.util.Set;

/**
 * The function lists the classifier decides by. Names are upper case; a schema-qualified
 * ({@code db.f(…)}) or backtick-quoted ({@code `f`(…)}) call is never on a list, since it names a
 * stored function.
 */
final class Functions {

  private Functions() {
  }

  /**
   * Built-in functions a SELECT may call and still run on a replica: they read only their
   * arguments, the statement's tables, the clock, session state that Tandem replays, or state
   * the same on every server. Deliberately conservative: anything not listed (stored functions
   * and UDFs included) sends the statement to the master.
   *
   * <p>Not listed on purpose: LAST_INSERT_ID, ROW_COUNT, FOUND_ROWS (about the previous
   * statement of the connection), CONNECTION_ID (which connection), GET_LOCK, RELEASE_LOCK,
   * RELEASE_ALL_LOCKS, IS_FREE_LOCK, IS_USED_LOCK (named locks live on one server), NEXTVAL,
   * LASTVAL, SETVAL (sequences), MASTER_POS_WAIT, SOURCE_POS_WAIT, MASTER_GTID_WAIT,
   * WAIT_FOR_EXECUTED_GTID_SET, WAIT_UNTIL_SQL_THREAD_AFTER_GTIDS (replication position),
   * LOAD_FILE (a file of one server), VALUES (INSERT-only).
   */
  static final Set<String> REPLICA_SAFE = Set.of(
      // aggregates and window functions
      "COUNT", "SUM", "MIN", "MAX", "AVG", "GROUP_CONCAT", "BIT_AND", "BIT_OR", "BIT_XOR", "STD",
      "STDDEV", "STDDEV_POP", "STDDEV_SAMP", "VAR_POP", "VAR_SAMP", "VARIANCE", "JSON_ARRAYAGG",
      "JSON_OBJECTAGG", "ANY_VALUE", "GROUPING", "ROW_NUMBER", "RANK", "DENSE_RANK", "PERCENT_RANK",
      "CUME_DIST", "NTILE", "LAG", "LEAD", "FIRST_VALUE", "LAST_VALUE", "NTH_VALUE", "MEDIAN",
      "PERCENTILE_CONT", "PERCENTILE_DISC",
      // control flow
      "IF", "IFNULL", "NULLIF", "COALESCE", "GREATEST", "LEAST", "ISNULL", "INTERVAL", "NVL", "NVL2",
      "DECODE_ORACLE",
      // strings
      "CONCAT", "CONCAT_WS", "SUBSTRING", "SUBSTR", "SUBSTRING_INDEX", "MID", "LEFT", "RIGHT", "LOWER",
      "UPPER", "LCASE", "UCASE", "LENGTH", "LENGTHB", "CHAR_LENGTH", "CHARACTER_LENGTH", "OCTET_LENGTH",
      "BIT_LENGTH", "TRIM", "LTRIM", "RTRIM", "LPAD", "RPAD", "REPLACE", "REVERSE", "REPEAT", "SPACE",
      "INSTR", "LOCATE", "POSITION", "FIELD", "FIND_IN_SET", "ELT", "MAKE_SET", "EXPORT_SET", "INSERT",
      "ASCII", "ORD", "CHAR", "HEX", "UNHEX", "BIN", "OCT", "FORMAT", "QUOTE", "SOUNDEX", "STRCMP",
      "REGEXP_LIKE", "REGEXP_REPLACE", "REGEXP_INSTR", "REGEXP_SUBSTR", "TO_BASE64", "FROM_BASE64",
      "WEIGHT_STRING", "CONVERT", "CAST", "CHARSET", "COLLATION", "COERCIBILITY", "SFORMAT",
      "NATURAL_SORT_KEY", "TO_CHAR", "MATCH", "AGAINST",
      // numbers
      "ABS", "CEIL", "CEILING", "FLOOR", "ROUND", "TRUNCATE", "MOD", "SIGN", "SQRT", "POW", "POWER",
      "EXP", "LN", "LOG", "LOG2", "LOG10", "PI", "SIN", "COS", "TAN", "ASIN", "ACOS", "ATAN", "ATAN2",
      "COT", "DEGREES", "RADIANS", "RAND", "CRC32", "CRC32C", "CONV", "BIT_COUNT",
      // dates and times
      "NOW", "CURDATE", "CURTIME", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "LOCALTIME",
      "LOCALTIMESTAMP", "SYSDATE", "UTC_DATE", "UTC_TIME", "UTC_TIMESTAMP", "UNIX_TIMESTAMP",
      "FROM_UNIXTIME", "DATE", "TIME", "TIMESTAMP", "YEAR", "MONTH", "DAY", "DAYOFMONTH", "DAYOFWEEK",
      "DAYOFYEAR", "DAYNAME", "MONTHNAME", "HOUR", "MINUTE", "SECOND", "MICROSECOND", "WEEK", "WEEKDAY",
      "WEEKOFYEAR", "YEARWEEK", "QUARTER", "DATE_FORMAT", "TIME_FORMAT", "STR_TO_DATE", "DATE_ADD",
      "DATE_SUB", "ADDDATE", "SUBDATE", "ADDTIME", "SUBTIME", "DATEDIFF", "TIMEDIFF", "TIMESTAMPDIFF",
      "TIMESTAMPADD", "EXTRACT", "LAST_DAY", "MAKEDATE", "MAKETIME", "PERIOD_ADD", "PERIOD_DIFF",
      "SEC_TO_TIME", "TIME_TO_SEC", "TO_DAYS", "FROM_DAYS", "TO_SECONDS", "CONVERT_TZ", "GET_FORMAT",
      // JSON
      "JSON_EXTRACT", "JSON_UNQUOTE", "JSON_OBJECT", "JSON_ARRAY", "JSON_CONTAINS", "JSON_CONTAINS_PATH",
      "JSON_KEYS", "JSON_LENGTH", "JSON_TYPE", "JSON_VALID", "JSON_VALUE", "JSON_QUERY", "JSON_SEARCH",
      "JSON_DEPTH", "JSON_QUOTE", "JSON_SET", "JSON_INSERT", "JSON_REPLACE", "JSON_REMOVE", "JSON_MERGE",
      "JSON_MERGE_PATCH", "JSON_MERGE_PRESERVE", "JSON_ARRAY_APPEND", "JSON_ARRAY_INSERT", "JSON_PRETTY",
      "JSON_COMPACT", "JSON_DETAILED", "JSON_LOOSE", "JSON_OVERLAPS", "JSON_TABLE", "JSON_EXISTS",
      "JSON_SCHEMA_VALID", "JSON_STORAGE_SIZE", "JSON_NORMALIZE", "JSON_EQUALS",
      // hashing, encoding, addresses, UUIDs
      "MD5", "SHA", "SHA1", "SHA2", "UUID", "UUID_SHORT", "SYS_GUID", "COMPRESS", "UNCOMPRESS",
      "UNCOMPRESSED_LENGTH", "AES_ENCRYPT", "AES_DECRYPT", "RANDOM_BYTES", "INET_ATON", "INET_NTOA",
      "INET6_ATON", "INET6_NTOA", "IS_IPV4", "IS_IPV6", "IS_IPV4_COMPAT", "IS_IPV4_MAPPED", "BIN_TO_UUID",
      "UUID_TO_BIN", "IS_UUID",
      // information about the session (replayed) or the server (intended: @@server_id shows where)
      "DATABASE", "SCHEMA", "USER", "CURRENT_USER", "SESSION_USER", "SYSTEM_USER", "VERSION",
      "CURRENT_ROLE", "BENCHMARK", "SLEEP",
      // constructors and spatial basics
      "ROW", "DEFAULT", "POINT", "LINESTRING", "POLYGON", "ST_DISTANCE", "ST_DISTANCE_SPHERE",
      "ST_CONTAINS", "ST_WITHIN", "ST_INTERSECTS", "ST_ASTEXT", "ST_ASWKT", "ST_GEOMFROMTEXT",
      "ST_POINTFROMTEXT", "ST_X", "ST_Y", "ST_SRID", "ST_ASGEOJSON", "ST_GEOMFROMGEOJSON", "ST_BUFFER",
      "ST_AREA", "ST_LENGTH", "MBRCONTAINS", "MBRWITHIN", "MBRINTERSECTS");

  /**
   * The subset of {@link #REPLICA_SAFE} whose result depends only on the arguments: a
   * {@code SET @v = f(…)} calling only these can be replayed later on another connection with the
   * same outcome. (NOW(), RAND(), UUID(), SLEEP() and the aggregates are not in it.)
   */
  static final Set<String> DETERMINISTIC = Set.of(
      "IF", "IFNULL", "NULLIF", "COALESCE", "GREATEST", "LEAST", "ISNULL", "CONCAT", "CONCAT_WS",
      "SUBSTRING", "SUBSTR", "SUBSTRING_INDEX", "MID", "LEFT", "RIGHT", "LOWER", "UPPER", "LCASE",
      "UCASE", "LENGTH", "CHAR_LENGTH", "CHARACTER_LENGTH", "OCTET_LENGTH", "TRIM", "LTRIM", "RTRIM",
      "LPAD", "RPAD", "REPLACE", "REVERSE", "REPEAT", "SPACE", "INSTR", "LOCATE", "FIELD", "FIND_IN_SET",
      "ELT", "ASCII", "ORD", "CHAR", "HEX", "UNHEX", "FORMAT", "QUOTE", "STRCMP", "CONVERT", "CAST",
      "ABS", "CEIL", "CEILING", "FLOOR", "ROUND", "TRUNCATE", "MOD", "SIGN", "SQRT", "POW", "POWER",
      "DATE_FORMAT", "STR_TO_DATE", "DATE_ADD", "DATE_SUB", "DATEDIFF", "TIMESTAMPDIFF", "FROM_UNIXTIME",
      "JSON_EXTRACT", "JSON_UNQUOTE", "JSON_OBJECT", "JSON_ARRAY", "JSON_SET", "JSON_QUOTE", "MD5",
      "SHA1", "SHA2", "TO_BASE64", "FROM_BASE64", "ROW");

  /** Functions that take a named lock: the session holds it on that server from then on. */
  static final Set<String> LOCK_ACQUIRE = Set.of("GET_LOCK");

  /** Functions about sequences. */
  static final Set<String> SEQUENCE = Set.of("NEXTVAL", "LASTVAL", "SETVAL", "CURRVAL");

  /**
   * Words that may stand right before a parenthesis without calling a function: clause and
   * operator keywords, index hints, partitions, JSON_TABLE columns, and the type names of
   * {@code CAST}/{@code CONVERT}/{@code JSON_TABLE}.
   */
  static final Set<String> NOT_CALLS = Set.of(
      "IN", "EXISTS", "AS", "ON", "USING", "AND", "OR", "NOT", "XOR", "SELECT", "FROM", "JOIN", "WHERE",
      "BY", "HAVING", "THEN", "WHEN", "ELSE", "UNION", "EXCEPT", "INTERSECT", "ALL", "ANY", "SOME",
      "DISTINCT", "DISTINCTROW", "LIMIT", "OFFSET", "OVER", "WINDOW", "PARTITION", "INDEX", "KEY", "FOR",
      "LATERAL", "VALUES", "VALUE", "WITH", "RECURSIVE", "COLUMNS", "NESTED", "PATH", "LIKE", "REGEXP",
      "RLIKE", "BETWEEN", "IS", "CASE", "END", "DIV", "ESCAPE", "SEPARATOR", "TABLE", "DUAL", "IGNORE",
      "USE", "FORCE", "STRAIGHT_JOIN", "CROSS", "NATURAL", "INNER", "OUTER", "INTO", "SET", "RETURNING",
      "ORDER", "GROUP", "ROWS", "RANGE", "PRECEDING", "FOLLOWING", "UNBOUNDED", "CURRENT", "ARRAY", "OF",
      "BINARY", "VARCHAR", "VARBINARY", "NCHAR", "NVARCHAR", "DECIMAL", "DEC", "NUMERIC", "FIXED",
      "DATETIME", "FLOAT", "DOUBLE", "REAL", "SIGNED", "UNSIGNED", "INT", "INTEGER", "BIGINT", "SMALLINT",
      "TINYINT", "MEDIUMINT", "BIT", "JSON", "TEXT", "BLOB", "ENUM", "WITHIN", "FILTER", "KEEP",
      "TRIGGER", "PROCEDURE", "SHARE", "MODE", "LOCKED", "WAIT", "NOWAIT", "SKIP");

  /**
   * System variables ({@code @@x}) whose value depends on the connection's history or on which
   * server answers, in a way the application means about the master: reading them sends the
   * statement to the master. Names lower case, scope prefix removed; any name starting with
   * {@code gtid_} also counts.
   */
  static final Set<String> MASTER_SYSTEM_VARIABLES = Set.of(
      "last_insert_id", "identity", "insert_id", "warning_count", "error_count", "read_only",
      "super_read_only", "innodb_read_only", "last_gtid", "rpl_semi_sync_master_enabled",
      "rpl_semi_sync_slave_enabled", "in_transaction");

  /** System variables about the previous statement on the same connection. */
  static final Set<String> PREVIOUS_STATEMENT_VARIABLES = Set.of("warning_count", "error_count");

  /** {@code @@session.X} / {@code @@global.X} / {@code @@`X`} → {@code x}; {@code global} scope is reported. */
  static String systemVariableName(String token, boolean[] global) {
    String s = token.startsWith("@@") ? token.substring(2) : token;
    s = s.replace("`", "").toLowerCase(Locale.ROOT);
    int dot = s.indexOf('.');
    if (dot > 0) {
      String scope = s.substring(0, dot);
      if (scope.equals("global") || scope.equals("persist") || scope.equals("persist_only")) {
        if (global != null) {
          global[0] = true;
        }
        s = s.substring(dot + 1);
      } else if (scope.equals("session") || scope.equals("local")) {
        s = s.substring(dot + 1);
      }
    }
    return s;
  }

  static boolean masterSystemVariable(String name, boolean global) {
    return global || MASTER_SYSTEM_VARIABLES.contains(name) || name.startsWith("gtid_");
  }
}
