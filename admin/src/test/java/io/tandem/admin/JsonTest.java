package io.tandem.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void writesNestedValuesAndEscapesWhatCouldBreakOutOfAString() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("a", 1);
    m.put("b", Arrays.asList(true, null, 2.5, Double.NaN));
    m.put("c", "x\"y\\z\n</script>");
    assertThat(Json.write(m)).isEqualTo(
        "{\"a\":1,\"b\":[true,null,2.5,null],\"c\":\"x\\\"y\\\\z\\n\\u003c/script\\u003e\"}");
  }
}
