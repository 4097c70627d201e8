package dev.herald.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.webpush.VapidKeys;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class VapidKeyToolTest {
  @Test
  void printedKeysLoadBackIntoTheSamePair() {
    VapidKeys keys = VapidKeys.generate();
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    VapidKeyTool.print(keys, new PrintStream(buf, true, StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8);
    String pub = line(out, "VAPID_PUBLIC_KEY=");
    String priv = line(out, "VAPID_PRIVATE_KEY=");
    assertThat(pub).hasSize(87); // 65 bytes, unpadded base64url
    assertThat(VapidKeys.fromBase64Url(pub, priv)).isEqualTo(keys);
    String pem = out.substring(out.indexOf("-----BEGIN PRIVATE KEY-----"));
    assertThat(VapidKeys.fromPem(pem)).isEqualTo(keys);
  }

  @Test
  void mainPrintsAFreshPairEachTime() {
    PrintStream old = System.out;
    ByteArrayOutputStream a = new ByteArrayOutputStream();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(a, true, StandardCharsets.UTF_8));
      VapidKeyTool.main(new String[0]);
      System.setOut(new PrintStream(b, true, StandardCharsets.UTF_8));
      VapidKeyTool.main(new String[0]);
    } finally {
      System.setOut(old);
    }
    assertThat(line(a.toString(StandardCharsets.UTF_8), "VAPID_PUBLIC_KEY="))
        .isNotEqualTo(line(b.toString(StandardCharsets.UTF_8), "VAPID_PUBLIC_KEY="));
  }

  private static String line(String out, String prefix) {
    return out.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow().substring(prefix.length());
  }
}
