package dev.herald.fcm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceAccountTest {
  private static final String TOKEN_URI = "https://oauth2.googleapis.com/token";
  private static final String KEY_BASE64 = Base64.getEncoder().encodeToString(TestKeys.privateKey().getEncoded());

  @Test
  void validJsonLoadsFromStringStreamAndFile(@TempDir Path dir) throws Exception {
    String json = TestKeys.json(TestKeys.fields(TOKEN_URI));
    Path file = dir.resolve("sa.json");
    Files.writeString(file, json);

    for (ServiceAccount sa : new ServiceAccount[] {
        ServiceAccount.fromJson(json),
        ServiceAccount.fromStream(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))),
        ServiceAccount.fromFile(file)}) {
      assertThat(sa.projectId()).isEqualTo(TestKeys.PROJECT);
      assertThat(sa.clientEmail()).isEqualTo(TestKeys.EMAIL);
      assertThat(sa.privateKeyId()).isEqualTo(TestKeys.KEY_ID);
      assertThat(sa.tokenUri()).hasToString(TOKEN_URI);
      assertThat(sa.privateKey().getEncoded()).isEqualTo(TestKeys.privateKey().getEncoded());
    }
  }

  @Test
  void privateKeyIdIsOptional() {
    Map<String, Object> f = TestKeys.fields(TOKEN_URI);
    f.remove("private_key_id");
    assertThat(ServiceAccount.fromJson(TestKeys.json(f)).privateKeyId()).isNull();
  }

  @Test
  void toStringNeverShowsTheKey() {
    String s = TestKeys.account(TOKEN_URI).toString();
    assertThat(s).contains(TestKeys.PROJECT, TestKeys.EMAIL, "private_key=(redacted)")
        .doesNotContain("PRIVATE KEY", KEY_BASE64.substring(0, 40), KEY_BASE64.substring(200, 240), TestKeys.KEY_ID);
  }

  @Test
  void everyMissingFieldIsNamed() {
    assertThatThrownBy(() -> ServiceAccount.fromJson("{}"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid service account: project_id is required; client_email is required; "
            + "private_key is required; token_uri is required")
        .satisfies(e -> assertThat(((InvalidInputException) e).fields())
            .containsExactly("project_id", "client_email", "private_key", "token_uri"));
  }

  @Test
  void fieldOfTheWrongTypeIsNamed() {
    assertInvalid(with("project_id", 42), "project_id", "project_id must be a string");
    assertInvalid(with("private_key_id", 42), "private_key_id", "private_key_id must be a string");
  }

  @Test
  void emptyFieldIsNamed() {
    assertInvalid(with("client_email", " "), "client_email", "client_email must not be empty");
  }

  @Test
  void otherCredentialTypeIsRefused() {
    assertInvalid(with("type", "authorized_user"), "type",
        "type must be \"service_account\" (download a service account key, not another credential): \"authorized_user\"");
  }

  @Test
  void malformedProjectIdIsRefused() {
    assertInvalid(with("project_id", "Demo Project/x"), "project_id",
        "project_id must be a Google Cloud project id (1-100 of [a-z0-9.:-]): \"Demo Project/x\"");
  }

  @Test
  void malformedEmailIsRefused() {
    assertInvalid(with("client_email", "not-an-address"), "client_email",
        "client_email must be an e-mail address: \"not-an-address\"");
  }

  @Test
  void pkcs1KeyIsRefusedWithTheConversionCommand() {
    assertInvalid(with("private_key", "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n"),
        "private_key", "private_key must be PKCS#8 (BEGIN PRIVATE KEY), not PKCS#1 (BEGIN RSA PRIVATE KEY); "
            + "convert it with: openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void keyWithoutPemArmourIsRefused() {
    assertInvalid(with("private_key", KEY_BASE64), "private_key",
        "private_key must be a PKCS#8 PEM block (-----BEGIN PRIVATE KEY----- ... -----END PRIVATE KEY-----)");
  }

  @Test
  void pemThatIsNotAnRsaKeyIsRefused() {
    String garbage = "-----BEGIN PRIVATE KEY-----\nAAAAAAAAAAAA\n-----END PRIVATE KEY-----";
    assertInvalid(with("private_key", garbage), "private_key", "private_key must be an RSA private key in PKCS#8 form");
    String ec = TestKeys.pem(TestKeys.generate("EC", 256).getPrivate());
    assertInvalid(with("private_key", ec), "private_key", "private_key must be an RSA private key in PKCS#8 form");
  }

  @Test
  void pemWithBrokenBase64IsRefused() {
    // The MIME decoder skips foreign characters, so only a dangling quantum fails to decode.
    assertInvalid(with("private_key", "-----BEGIN PRIVATE KEY-----\nA\n-----END PRIVATE KEY-----"), "private_key",
        "private_key must hold base64 between the PEM lines");
  }

  @Test
  void shortRsaKeyIsRefused() {
    String small = TestKeys.pem(TestKeys.generate("RSA", 1024).getPrivate());
    assertInvalid(with("private_key", small), "private_key",
        "private_key must be an RSA key of at least 2048 bits (RS256): 1024 bits");
  }

  @Test
  void keyWithEscapedNewlinesIsAccepted() {
    // Keys pasted through environment variables often arrive with literal backslash-n.
    String escaped = TestKeys.pem(TestKeys.privateKey()).replace("\n", "\\n");
    assertThat(ServiceAccount.fromJson(TestKeys.json(with("private_key", escaped))).privateKey().getEncoded())
        .isEqualTo(TestKeys.privateKey().getEncoded());
  }

  @Test
  void tokenUriMustBeHttpsOrLoopbackHttp() {
    assertInvalid(with("token_uri", "http://oauth2.example.com/token"), "token_uri",
        "token_uri must be an absolute https URL (http only to a loopback host): \"http://oauth2.example.com/token\"");
    assertInvalid(with("token_uri", "not a url"), "token_uri",
        "token_uri must be an absolute https URL: \"not a url\"");
    assertInvalid(with("token_uri", "/token"), "token_uri",
        "token_uri must be an absolute https URL (http only to a loopback host): \"/token\"");
    assertThat(ServiceAccount.fromJson(TestKeys.json(with("token_uri", "http://127.0.0.1:8080/token"))).tokenUri())
        .hasToString("http://127.0.0.1:8080/token");
  }

  @Test
  void everyInvalidFieldIsReportedAtOnce() {
    Map<String, Object> f = with("project_id", "");
    f.put("client_email", "x");
    f.put("token_uri", "ftp://x/");
    assertThatThrownBy(() -> ServiceAccount.fromJson(TestKeys.json(f)))
        .isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).fields())
            .containsExactly("project_id", "client_email", "token_uri"));
  }

  @Test
  void notJsonIsRefusedWithoutQuotingTheInput() {
    String broken = "{\"private_key\": \"" + KEY_BASE64.substring(0, 64) + "\", ";
    assertThatThrownBy(() -> ServiceAccount.fromJson(broken))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid service account: json must be a JSON object (a service account key file)");
    assertThatThrownBy(() -> ServiceAccount.fromJson("[1, 2]"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid service account: json must be a JSON object (a service account key file)");
  }

  @Test
  void oversizedStreamIsRefused() {
    byte[] big = new byte[ServiceAccount.MAX_JSON_BYTES + 1];
    assertThatThrownBy(() -> ServiceAccount.fromStream(new ByteArrayInputStream(big)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid service account: json must be at most 65536 bytes: more were given");
  }

  @Test
  void missingFileIsAnUncheckedIoError(@TempDir Path dir) {
    Path missing = dir.resolve("missing.json");
    assertThatThrownBy(() -> ServiceAccount.fromFile(missing))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageStartingWith("cannot read the service account file " + missing);
  }

  @Test
  void errorMessagesNeverQuoteTheKey() {
    Map<String, Object> f = with("project_id", "");
    f.put("private_key", TestKeys.pem(TestKeys.privateKey()).replace("PRIVATE KEY-----\n", "PRIVATE KEY-----\n!!"));
    assertThatThrownBy(() -> ServiceAccount.fromJson(TestKeys.json(f)))
        .isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(KEY_BASE64.substring(0, 40)));
  }

  private static Map<String, Object> with(String field, Object value) {
    Map<String, Object> f = TestKeys.fields(TOKEN_URI);
    f.put(field, value);
    return f;
  }

  private static void assertInvalid(Map<String, Object> fields, String field, String problem) {
    assertThatThrownBy(() -> ServiceAccount.fromJson(TestKeys.json(fields)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid service account: " + problem)
        .satisfies(e -> assertThat(((InvalidInputException) e).fields()).containsExactly(field));
  }
}
