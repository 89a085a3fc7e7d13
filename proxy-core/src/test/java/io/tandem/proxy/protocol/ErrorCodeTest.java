package io.tandem.proxy.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every error the proxy composes has a server-range code: libmariadb 3.3.9 and later turn a
 * server-sent client-side code (2000-2999, e.g. 2003 or 2013) into 2027 "Received malformed
 * packet", so the client would never see the proxy's message.
 */
class ErrorCodeTest {

  @Test
  void everyComposedErrorIsInTheServerRangeWithAFiveCharacterSqlState() throws IllegalAccessException {
    List<ErrorCode> codes = new ArrayList<>();
    for (Field f : ErrorCode.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == ErrorCode.class) {
        codes.add((ErrorCode) f.get(null));
      }
    }
    assertThat(codes).hasSizeGreaterThan(15);
    for (ErrorCode c : codes) {
      assertThat(c.code()).as("%s", c).isGreaterThanOrEqualTo(1000);
      assertThat(c.code() >= 2000 && c.code() <= 2999).as("%s is a client-side code", c).isFalse();
      assertThat(c.sqlState()).as("%s", c).hasSize(5);
    }
  }

  @Test
  void noSourceFileComposesAnErrorOutsideTheConstants() throws Exception {
    // the constants are the only place codes are chosen; an inline new ErrorCode(2013, ...) would escape the test above
    var root = java.nio.file.Path.of("src/main/java");
    try (var files = java.nio.file.Files.walk(root)) {
      List<String> offenders = files.filter(p -> p.toString().endsWith(".java"))
          .filter(p -> !p.endsWith("ErrorCode.java") && !p.endsWith("Packets.java") && !p.endsWith("ResponseTracker.java"))
          .filter(p -> {
            try {
              return java.nio.file.Files.readString(p).contains("new ErrorCode(");
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          })
          .map(Object::toString).toList();
      assertThat(offenders).as("files composing error codes inline (Packets and ResponseTracker only decode"
          + " what servers send)").isEmpty();
    }
  }
}
