package io.tandem.proxy.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PasswordsTest {

  @Test
  void nativeHashMatchesTheServersPasswordFunction() {
    // SELECT PASSWORD('app') on MariaDB
    assertThat("*" + HexFormat.of().withUpperCase().formatHex(NativePassword.stage2("app")))
        .isEqualTo("*5BCB3E6AC345B435C7C2E6B7949A04CE6F6563D3");
  }

  @Test
  void nativeScrambleVerifiesAndRecoversStage1() {
    byte[] nonce = Scramble.generate();
    byte[] answer = NativePassword.scramble(NativePassword.stage1("secret"), nonce);
    assertThat(NativePassword.verify(answer, nonce, NativePassword.stage2("secret")))
        .isEqualTo(NativePassword.stage1("secret"));
    assertThat(NativePassword.verify(answer, nonce, NativePassword.stage2("other"))).isNull();
    assertThat(NativePassword.verify(new byte[0], nonce, NativePassword.stage2("secret"))).isNull();
  }

  @Test
  void sha2FastPathVerifies() {
    byte[] nonce = Scramble.generate();
    byte[] answer = CachingSha2Password.scramble("secret", nonce);
    assertThat(CachingSha2Password.verify(answer, nonce, CachingSha2Password.digest("secret"))).isTrue();
    assertThat(CachingSha2Password.verify(answer, nonce, CachingSha2Password.digest("other"))).isFalse();
  }

  @Test
  void rsaRoundTrip() throws Exception {
    RsaKeys keys = RsaKeys.generate();
    byte[] nonce = Scramble.generate();
    byte[] encrypted = RsaKeys.encryptPassword("pässword", nonce, keys.publicKeyPem());
    assertThat(keys.decryptPassword(encrypted, nonce)).isEqualTo("pässword");
  }

  @Test
  void scrambleIsPrintableWithoutNul() {
    for (byte b : Scramble.generate()) {
      assertThat(b).isBetween((byte) 33, (byte) 126);
    }
  }
}
