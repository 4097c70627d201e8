package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.CollapseKeys;
import dev.herald.Content;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.webpush.internal.EcP256;
import dev.herald.testing.webpush.PushSubscriber;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okio.Buffer;
import okhttp3.Request;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Herald against the Node.js Web Push stack ({@code http_ece}, {@code jws}, {@code web-push}).
 * Skipped unless node and the packages are installed under {@code target/interop} (see
 * {@code src/test/interop/README.md}); the build itself never downloads them.
 */
class InteropWithNodeTest {
  private static final Path MODULES = Paths.get("target", "interop", "node_modules");
  private static final Path SCRIPT = Paths.get("src", "test", "interop", "interop.js");
  private static final String SUBJECT = "mailto:push-ops@herald.dev";

  @BeforeAll
  static void requireNode() {
    assumeTrue(Files.isDirectory(MODULES.resolve("http_ece")) && Files.isDirectory(MODULES.resolve("web-push")),
        "node interop packages not installed under target/interop; see src/test/interop/README.md");
  }

  @Test
  void httpEceDecryptsWhatHeraldEncryptsAndJwsVerifiesTheVapidToken() throws Exception {
    VapidKeys keys = VapidKeys.generate();
    PushSubscriber browser = PushSubscriber.generate();
    try (WebPushTransport transport = WebPushTransport.builder().vapidKeys(keys).subject(SUBJECT).build()) {
      String key = "interop-1";
      Delivery d = new Delivery(1, key, 1, browser.subscriptionAt("https://fcm.googleapis.com/fcm/send/interop"),
          Content.of("Hello", "from Herald ✓"), DeliveryOptions.DEFAULTS, CollapseKeys.fromIdempotencyKey(key), null);
      Request request = transport.prepareRequest(d);
      Buffer body = new Buffer();
      request.body().writeTo(body);

      Map<String, Object> decrypted = node(Map.of("mode", "decrypt",
          "privateKey", Vectors.b64(EcP256.encodeScalar(browser.privateKey().getS())),
          "auth", Vectors.b64(browser.auth()), "body", Vectors.b64(body.readByteArray())));
      String json = new String(Vectors.unb64((String) decrypted.get("plaintext")), StandardCharsets.UTF_8);
      assertThat(JSONObjectUtils.parse(json)).containsEntry("title", "Hello").containsEntry("body", "from Herald ✓");

      String authorization = request.header("Authorization");
      String jwt = authorization.substring("vapid t=".length(), authorization.indexOf(", k="));
      Map<String, Object> verified = node(Map.of("mode", "verifyJwt", "jwt", jwt, "k", keys.publicKeyBase64Url()));
      assertThat(verified.get("valid")).isEqualTo(true);
      assertThat(JSONObjectUtils.getJSONObject(verified, "payload"))
          .containsEntry("aud", "https://fcm.googleapis.com").containsEntry("sub", SUBJECT);
    }
  }

  @Test
  void heraldsDecryptorOpensWhatWebPushEncrypts() throws Exception {
    VapidKeys keys = VapidKeys.generate();
    PushSubscriber browser = PushSubscriber.generate();
    byte[] payload = "{\"title\":\"from node\"}".getBytes(StandardCharsets.UTF_8);
    Map<String, Object> out = node(Map.of("mode", "encrypt", "endpoint", "https://fcm.googleapis.com/fcm/send/interop",
        "p256dh", Vectors.b64(browser.publicKey()), "auth", Vectors.b64(browser.auth()),
        "payload", Vectors.b64(payload), "subject", SUBJECT,
        "vapidPublic", keys.publicKeyBase64Url(), "vapidPrivate", keys.privateKeyBase64Url()));
    byte[] body = Vectors.unb64((String) out.get("body"));
    assertThat(browser.decrypt(body, 4096)).isEqualTo(payload);
  }

  private static Map<String, Object> node(Map<String, Object> request) throws IOException, InterruptedException,
      java.text.ParseException {
    ProcessBuilder pb = new ProcessBuilder("node", SCRIPT.toAbsolutePath().toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("NODE_PATH", MODULES.toAbsolutePath().toString());
    Process p = pb.start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(JSONObjectUtils.toJSONString(request).getBytes(StandardCharsets.UTF_8));
    }
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("node exit code; stdout: %s", stdout).isZero();
    return JSONObjectUtils.parse(stdout);
  }
}
