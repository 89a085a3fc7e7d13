package io.tandem.router.classify;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import net.sf.jsqlparser.parser.CCJSqlParser;
import net.sf.jsqlparser.parser.CCJSqlParserTreeConstants;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.parser.Node;
import net.sf.jsqlparser.parser.SimpleNode;
import net.sf.jsqlparser.parser.Token;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.statement.upsert.Upsert;

/**
 * The parser path: SELECT-like statements (and unknown ones) go through JSqlParser, which must
 * accept them before they may go to a replica. JSqlParser decides the statement type and the
 * tables read; the {@link TokenFacts token facts} decide functions, locking, INTO, sequences and
 * variables, whatever the parser thinks.
 *
 * <p>MySQL syntax JSqlParser 5.0 does not know is taken out of the text it is given, after the
 * tokens have recorded it: {@code LOCK IN SHARE MODE}, {@code FOR UPDATE|SHARE [OF …] [NOWAIT|SKIP
 * LOCKED]}, {@code INTO @v|OUTFILE|DUMPFILE …}, index hint scopes ({@code FOR JOIN|ORDER BY|GROUP BY}), the SELECT modifiers ({@code HIGH_PRIORITY},
 * {@code SQL_CALC_FOUND_ROWS}, {@code SQL_NO_CACHE}, {@code STRAIGHT_JOIN}, …), {@code DISTINCTROW};
 * literals are rewritten to forms it reads (no backslash escapes, no charset introducers, hex
 * values as 0). Each of these removals can only concern a statement that already goes to the
 * master, or one whose routing it does not change.
 *
 * <p>JSqlParser runs on the caller's thread, simple grammar first and the complex one when that
 * fails (as {@link CCJSqlParserUtil} does, but without its per-call executor; and straight to the
 * complex grammar when the tokens show a function call, which the simple one never accepts); a
 * shared daemon
 * timer interrupts a parse that exceeds the budget, which then counts as unparsed.
 */
final class ParsedAnalyzer {

  /** Outcome of an analysis: the traits, and the parser's complaint when it failed. */
  record Analysis(StatementTraits traits, String error) {
  }

  private static final Set<String> SELECT_MODIFIERS = Set.of(
      "HIGH_PRIORITY", "SQL_SMALL_RESULT", "SQL_BIG_RESULT", "SQL_BUFFER_RESULT", "SQL_CACHE",
      "SQL_NO_CACHE", "SQL_CALC_FOUND_ROWS", "STRAIGHT_JOIN");

  private static final Set<String> OUTFILE_OPTIONS = Set.of(
      "CHARACTER", "SET", "CHARSET", "FIELDS", "COLUMNS", "TERMINATED", "OPTIONALLY", "ENCLOSED",
      "ESCAPED", "LINES", "STARTING", "BY");

  private static final ScheduledThreadPoolExecutor WATCHDOG;

  static {
    WATCHDOG = new ScheduledThreadPoolExecutor(1, r -> {
      Thread th = new Thread(r, "tandem-parse-watchdog");
      th.setDaemon(true);
      return th;
    });
    WATCHDOG.setRemoveOnCancelPolicy(true);
  }

  private final long budgetNanos;

  ParsedAnalyzer(long budgetNanos) {
    this.budgetNanos = budgetNanos;
  }

  Analysis analyze(SqlTokens t, int from, int to, String digest) {
    TokenFacts f = TokenFacts.scan(t, from, to);
    StatementTraits.Builder b = new StatementTraits.Builder(guessKind(t, from));
    b.digest = digest;
    b.facts(f);
    b.lockingRead = f.lockingRead;
    b.selectInto = f.into;
    String text = parseForm(t, from, to);
    boolean complexAllowed = CCJSqlParserUtil.getNestingDepth(text) <= CCJSqlParserUtil.ALLOWED_NESTING_DEPTH;
    // The simple grammar never accepts a function call, and failing takes it 5-10 times longer
    // than the complex grammar's success: with calls in the tokens, start with the complex one.
    boolean complexFirst = complexAllowed && !f.functions.isEmpty();
    Statement statement;
    CCJSqlParser parser;
    try {
      parser = CCJSqlParserUtil.newParser(text).withAllowComplexParsing(complexFirst);
      statement = parse(parser);
    } catch (Throwable firstFailure) {
      rethrowFatal(firstFailure);
      if (complexFirst || !complexAllowed) {
        return unparsed(b, firstFailure);
      }
      try {
        parser = CCJSqlParserUtil.newParser(text).withAllowComplexParsing(true);
        statement = parse(parser);
      } catch (Throwable complexFailure) {
        rethrowFatal(complexFailure);
        return unparsed(b, complexFailure);
      }
    }
    if (statement == null) {
      return unparsed(b, new IllegalStateException("no statement"));
    }
    b.kind = kindOf(statement);
    try {
      b.tables = tables(parser.getASTRoot());
    } catch (RuntimeException e) {
      return unparsed(b, e);
    }
    b.readOnly = b.kind == StatementKind.SELECT
        && !f.lockingRead
        && !f.into
        && f.functionsReplicaSafe
        && !f.sequence
        && !f.writesUserVariables
        && !f.masterSystemVariable
        && !f.followsPrevious
        && !f.writeKeyword;
    return new Analysis(b.build(), null);
  }

  private Statement parse(CCJSqlParser parser) throws Exception {
    ScheduledFuture<?> alarm = budgetNanos > 0
        ? WATCHDOG.schedule(() -> parser.interrupted = true, budgetNanos, TimeUnit.NANOSECONDS)
        : null;
    try {
      Statement s = parser.Statement();
      if (parser.interrupted) {
        throw new IllegalStateException("parse took longer than " + budgetNanos / 1_000_000 + " ms");
      }
      return s;
    } catch (Exception | Error e) {
      if (parser.interrupted) {
        throw new IllegalStateException("parse took longer than " + budgetNanos / 1_000_000 + " ms", e);
      }
      throw e;
    } finally {
      if (alarm != null) {
        alarm.cancel(false);
      }
    }
  }

  private static void rethrowFatal(Throwable e) {
    if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
      throw (VirtualMachineError) e;
    }
  }

  private static Analysis unparsed(StatementTraits.Builder b, Throwable cause) {
    b.unparsed = true;
    b.readOnly = false;
    b.tables = Set.of();
    String message = String.valueOf(cause.getMessage());
    int nl = message.indexOf('\n');
    if (nl > 0) {
      message = message.substring(0, nl);
    }
    return new Analysis(b.build(), cause.getClass().getSimpleName() + ": " + message.strip());
  }

  private static StatementKind guessKind(SqlTokens t, int from) {
    if (t.type[from] == SqlTokens.LPAREN || t.is(from, "SELECT") || t.is(from, "WITH")
        || t.is(from, "VALUES") || t.is(from, "TABLE")) {
      return StatementKind.SELECT;
    }
    return StatementKind.OTHER;
  }

  private static StatementKind kindOf(Statement s) {
    if (s instanceof Select) {
      return StatementKind.SELECT;
    }
    if (s instanceof Insert) {
      return StatementKind.INSERT;
    }
    if (s instanceof Update) {
      return StatementKind.UPDATE;
    }
    if (s instanceof Delete) {
      return StatementKind.DELETE;
    }
    if (s instanceof Upsert) {
      return StatementKind.REPLACE;
    }
    if (s.getClass().getSimpleName().equals("TableStatement")) {
      return StatementKind.SELECT;
    }
    return StatementKind.OTHER;
  }

  /** Every table node of the parse tree, minus CTE names and DUAL. */
  private static Set<String> tables(Node root) {
    Set<String> tables = new LinkedHashSet<>();
    Set<String> ctes = new HashSet<>();
    collect(root, tables, ctes, 0);
    tables.removeAll(ctes);
    tables.removeIf(name -> name.equalsIgnoreCase("DUAL"));
    return tables.isEmpty() ? Set.of() : Collections.unmodifiableSet(tables);
  }

  private static void collect(Node node, Set<String> tables, Set<String> ctes, int depth) {
    if (node == null || depth > 2000) {
      return;
    }
    if (node instanceof SimpleNode) {
      SimpleNode s = (SimpleNode) node;
      int id = s.getId();
      if (id == CCJSqlParserTreeConstants.JJTTABLENAME && s.jjtGetValue() instanceof Table) {
        Table table = (Table) s.jjtGetValue();
        String name = unquote(table.getName());
        String schema = table.getSchemaName();
        if (name != null && !name.isEmpty()) {
          tables.add(schema == null || schema.isEmpty() ? name : unquote(schema) + "." + name);
        }
      } else if (id == CCJSqlParserTreeConstants.JJTWITHITEM) {
        Token first = s.jjtGetFirstToken();
        if (first != null && first.image != null && first.image.equalsIgnoreCase("RECURSIVE")) {
          first = first.next;
        }
        if (first != null && first.image != null) {
          ctes.add(unquote(first.image));
        }
      }
    }
    for (int i = 0; i < node.jjtGetNumChildren(); i++) {
      collect(node.jjtGetChild(i), tables, ctes, depth + 1);
    }
  }

  private static String unquote(String s) {
    if (s == null || s.length() < 2) {
      return s;
    }
    char q = s.charAt(0);
    if ((q == '`' || q == '"') && s.charAt(s.length() - 1) == q) {
      String inner = s.substring(1, s.length() - 1);
      return q == '`' ? inner.replace("``", "`") : inner.replace("\"\"", "\"");
    }
    return s;
  }

  // ------------------------------------------------------------------ the text JSqlParser sees

  static String parseForm(SqlTokens t, int from, int to) {
    int n = to - from;
    boolean[] skip = new boolean[n];
    String[] replace = new String[n];
    for (int i = from; i < to; i++) {
      if (t.type[i] != SqlTokens.WORD) {
        continue;
      }
      switch (t.upper(i)) {
        case "SELECT": {
          int k = i + 1;
          while (k < to && t.type[k] == SqlTokens.WORD) {
            String w = t.upper(k);
            if (SELECT_MODIFIERS.contains(w)) {
              skip[k - from] = true;
            } else if (w.equals("DISTINCTROW")) {
              replace[k - from] = "DISTINCT";
            } else if (!w.equals("ALL") && !w.equals("DISTINCT")) {
              break;
            }
            k++;
          }
          break;
        }
        case "LOCK":
          if (t.is(i + 1, to, "IN") && t.is(i + 2, to, "SHARE") && t.is(i + 3, to, "MODE")) {
            mark(skip, from, i, i + 4);
            i += 3;
          }
          break;
        case "FOR":
          if (i > from && (t.is(i - 1, "INDEX") || t.is(i - 1, "KEY"))) {
            // index hint scope: USE|FORCE|IGNORE INDEX FOR JOIN|ORDER BY|GROUP BY (…)
            int e = t.is(i + 1, to, "JOIN") ? i + 2
                : (t.is(i + 1, to, "ORDER") || t.is(i + 1, to, "GROUP")) && t.is(i + 2, to, "BY") ? i + 3
                : i;
            mark(skip, from, i, e);
            i = Math.max(i, e - 1);
          } else if (t.is(i + 1, to, "UPDATE") || t.is(i + 1, to, "SHARE")) {
            int e = lockingClauseEnd(t, i + 2, to);
            mark(skip, from, i, e);
            i = e - 1;
          }
          break;
        case "INTO": {
          int e = intoClauseEnd(t, i + 1, to);
          mark(skip, from, i, e);
          i = e - 1;
          break;
        }
        case "PREVIOUS":
          if (t.is(i + 1, to, "VALUE") && t.is(i + 2, to, "FOR")) {
            replace[i - from] = "NEXT";
          }
          break;
        default:
          break;
      }
    }
    return t.parseForm(from, to, skip, replace);
  }

  private static void mark(boolean[] skip, int from, int s, int e) {
    for (int k = s; k < e; k++) {
      skip[k - from] = true;
    }
  }

  /** After FOR UPDATE|SHARE: [OF t [, t]…] [NOWAIT | SKIP LOCKED | WAIT n]. */
  private static int lockingClauseEnd(SqlTokens t, int k, int to) {
    if (t.is(k, to, "OF")) {
      k++;
      int[] next = new int[1];
      while (k < to && t.qualifiedName(k, to, next) != null) {
        k = next[0];
        if (k < to && t.type[k] == SqlTokens.COMMA) {
          k++;
        } else {
          break;
        }
      }
    }
    if (t.is(k, to, "NOWAIT")) {
      return k + 1;
    }
    if (t.is(k, to, "SKIP") && t.is(k + 1, to, "LOCKED")) {
      return k + 2;
    }
    if (t.is(k, to, "WAIT") && k + 1 < to && t.type[k + 1] == SqlTokens.NUMBER) {
      return k + 2;
    }
    return k;
  }

  /** After INTO: OUTFILE 'f' [options] | DUMPFILE 'f' | @v [, @v]… | local_var [, …]. */
  private static int intoClauseEnd(SqlTokens t, int k, int to) {
    if (t.is(k, to, "OUTFILE") || t.is(k, to, "DUMPFILE")) {
      k++;
      if (k < to && t.type[k] == SqlTokens.STRING) {
        k++;
      }
      while (k < to) {
        byte ty = t.type[k];
        if (ty == SqlTokens.STRING) {
          k++;
        } else if (ty == SqlTokens.WORD && OUTFILE_OPTIONS.contains(t.upper(k))) {
          boolean charset = t.is(k, "SET") || t.is(k, "CHARSET");
          k++;
          if (charset && k < to && (t.type[k] == SqlTokens.WORD || t.type[k] == SqlTokens.STRING)) {
            k++;
          }
        } else {
          break;
        }
      }
      return k;
    }
    while (k < to && (t.type[k] == SqlTokens.USER_VAR || t.type[k] == SqlTokens.WORD
        && !isClauseWord(t.upper(k)))) {
      k++;
      if (k < to && t.type[k] == SqlTokens.COMMA) {
        k++;
      } else {
        break;
      }
    }
    return k;
  }

  private static boolean isClauseWord(String w) {
    switch (w.toUpperCase(Locale.ROOT)) {
      case "FROM": case "WHERE": case "GROUP": case "HAVING": case "ORDER": case "LIMIT": case "FOR":
      case "LOCK": case "UNION": case "EXCEPT": case "INTERSECT": case "WINDOW":
        return true;
      default:
        return false;
    }
  }
}
