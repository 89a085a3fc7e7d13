package io.tandem.router.classify;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What the tokens of one statement show, whatever JSqlParser makes of it: the functions called,
 * locking clauses, {@code INTO}, sequences, variables. These checks are the safety net of the
 * classifier: each can only take a statement away from the replicas, never send one there.
 *
 * <p>A function call is a name right before a parenthesis, except for keywords that take a
 * parenthesis ({@link Functions#NOT_CALLS}), a name after {@code AS} (a type in {@code CAST}, or a
 * derived table's column list), a CTE's name with its column list ({@code WITH c (a, b) AS (…)})
 * and the table of {@code INSERT INTO t (…)}. Anything else counts as a call, so an unexpected
 * shape only ever costs a trip to the master.
 */
final class TokenFacts {

  final Set<String> functions = new LinkedHashSet<>();
  /** Every function called is on {@link Functions#REPLICA_SAFE}. */
  boolean functionsReplicaSafe = true;
  /** Every function called is on {@link Functions#DETERMINISTIC}. */
  boolean functionsDeterministic = true;
  boolean lockingRead;
  boolean into;
  boolean sequence;
  boolean readsUserVariables;
  boolean writesUserVariables;
  boolean masterSystemVariable;
  boolean followsPrevious;
  boolean calcFoundRows;
  boolean foundRows;
  boolean usesLockFunction;
  boolean releasesLock;
  boolean releasesAllLocks;
  /** A SELECT keyword after the first token (a subquery, or a second SELECT of a UNION). */
  boolean subquery;
  /** A data- or schema-changing keyword ({@code INSERT}, {@code UPDATE}, …) used as a keyword. */
  boolean writeKeyword;

  static TokenFacts scan(SqlTokens t, int from, int to) {
    TokenFacts f = new TokenFacts();
    for (int i = from; i < to; i++) {
      byte ty = t.type[i];
      if (ty == SqlTokens.WORD) {
        f.word(t, i, from, to);
      } else if (ty == SqlTokens.QUOTED) {
        if (i + 1 < to && t.type[i + 1] == SqlTokens.LPAREN && !notACall(t, i, from, to)) {
          f.call(qualified(t, i, from), false);
        }
      } else if (ty == SqlTokens.USER_VAR) {
        if (i + 1 < to && t.type[i + 1] == SqlTokens.OP && t.text(i + 1).equals(":=")) {
          f.writesUserVariables = true;
        } else {
          f.readsUserVariables = true;
        }
      } else if (ty == SqlTokens.SYS_VAR) {
        boolean[] global = new boolean[1];
        String name = Functions.systemVariableName(t.text(i), global);
        if (Functions.masterSystemVariable(name, global[0])) {
          f.masterSystemVariable = true;
        }
        if (Functions.PREVIOUS_STATEMENT_VARIABLES.contains(name)) {
          f.followsPrevious = true;
        }
      }
    }
    return f;
  }

  private void word(SqlTokens t, int i, int from, int to) {
    boolean paren = i + 1 < to && t.type[i + 1] == SqlTokens.LPAREN;
    if (paren) {
      if (!notACall(t, i, from, to)) {
        String name = qualified(t, i, from);
        call(name, name.indexOf('.') < 0);
      }
      return;
    }
    String w = t.upper(i);
    switch (w) {
      case "FOR":
        if (t.is(i + 1, to, "UPDATE") || t.is(i + 1, to, "SHARE")) {
          lockingRead = true;
        }
        break;
      case "LOCK":
        if (t.is(i + 1, to, "IN") && t.is(i + 2, to, "SHARE") && t.is(i + 3, to, "MODE")) {
          lockingRead = true;
        }
        break;
      case "INTO":
        into = true;
        for (int k = i + 1; k < to && t.type[k] == SqlTokens.USER_VAR; k += 2) {
          writesUserVariables = true; // INTO @a, @b
          if (k + 1 >= to || t.type[k + 1] != SqlTokens.COMMA) {
            break;
          }
        }
        break;
      case "NEXT":
      case "PREVIOUS":
        if (t.is(i + 1, to, "VALUE") && t.is(i + 2, to, "FOR")) {
          sequence = true;
        }
        break;
      case "NEXTVAL":
      case "CURRVAL":
        if (i > from && t.type[i - 1] == SqlTokens.DOT) {
          sequence = true; // Oracle-style s.nextval
        }
        break;
      case "SQL_CALC_FOUND_ROWS":
        calcFoundRows = true;
        break;
      case "SELECT":
        if (i > from) {
          subquery = true;
        }
        break;
      case "INSERT": case "UPDATE": case "DELETE": case "REPLACE": case "CREATE": case "ALTER":
      case "DROP": case "TRUNCATE": case "RENAME": case "GRANT": case "REVOKE": case "LOAD":
      case "CALL":
        if (i > from && (t.is(i - 1, "FOR") || t.is(i - 1, "KEY") || t.is(i - 1, "ON"))) {
          break; // FOR UPDATE, ON DUPLICATE KEY UPDATE, ON UPDATE / ON DELETE
        }
        if (i > from && t.type[i - 1] == SqlTokens.DOT) {
          break; // a qualified name
        }
        writeKeyword = true;
        break;
      default:
        break;
    }
  }

  private void call(String name, boolean builtinCandidate) {
    String upper = builtinCandidate ? name.toUpperCase(java.util.Locale.ROOT) : name;
    functions.add(upper);
    if (!builtinCandidate || !Functions.REPLICA_SAFE.contains(upper)) {
      functionsReplicaSafe = false;
    }
    if (!builtinCandidate || !Functions.DETERMINISTIC.contains(upper)) {
      functionsDeterministic = false;
    }
    if (!builtinCandidate) {
      return;
    }
    switch (upper) {
      case "GET_LOCK":
        usesLockFunction = true;
        break;
      case "RELEASE_LOCK":
        releasesLock = true;
        break;
      case "RELEASE_ALL_LOCKS":
        releasesAllLocks = true;
        break;
      case "FOUND_ROWS":
        foundRows = true;
        followsPrevious = true;
        break;
      case "ROW_COUNT":
        followsPrevious = true;
        break;
      default:
        if (Functions.SEQUENCE.contains(upper)) {
          sequence = true;
        }
    }
  }

  /** The called name with its qualifier ({@code db.f}), as written without backticks. */
  private static String qualified(SqlTokens t, int i, int from) {
    String name = t.identifier(i);
    if (i - 2 >= from && t.type[i - 1] == SqlTokens.DOT
        && (t.type[i - 2] == SqlTokens.WORD || t.type[i - 2] == SqlTokens.QUOTED)) {
      return t.identifier(i - 2) + "." + name;
    }
    if (t.type[i] == SqlTokens.QUOTED) {
      return "`" + name + "`"; // quoted: a stored function, kept apart from the built-in names
    }
    return name;
  }

  private static boolean notACall(SqlTokens t, int i, int from, int to) {
    if (t.type[i] == SqlTokens.WORD && Functions.NOT_CALLS.contains(t.upper(i))) {
      return true;
    }
    if (i > from) {
      int p = i - 1;
      if (t.type[p] == SqlTokens.DOT && p - 1 >= from) {
        p -= 2; // look before the qualifier
      }
      if (p >= from) {
        if (t.is(p, "AS")) {
          return true;
        }
        if (t.is(p, "INTO") || t.is(p, "TABLE") || t.is(p, "INSERT") || t.is(p, "REPLACE")
            || t.is(p, "IGNORE") || t.is(p, "DELAYED") || t.is(p, "LOW_PRIORITY")
            || t.is(p, "REFERENCES")) {
          return true;
        }
      }
    }
    int close = t.closeParen(i + 1, to);
    return close + 1 < to && t.is(close, "AS") && t.type[close + 1] == SqlTokens.LPAREN;
  }

  Set<String> functionSet() {
    return functions.isEmpty() ? Set.of() : Collections.unmodifiableSet(functions);
  }
}
