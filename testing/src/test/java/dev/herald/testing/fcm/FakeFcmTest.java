package dev.herald.testing.fcm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.testing.MutableClock;
import dev.herald.testing.Reply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.FormBody;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fake FCM against hand-made requests (no transport: herald-testing depends on none), so that
 * what it accepts and refuses is Google's rule and not whatever a transport happens to send.
 */
class FakeFcmTest {
  private static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
  private static final MediaType JSON = MediaType.get("application/json; charset=UTF-8");
  private static TestServiceAccount account;
  private static TestServiceAccount stranger;
  private static TestServiceAccount staff;
  private static TestServiceAccount partner;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
  private final OkHttpClient http = new OkHttpClient.Builder().callTimeout(10, TimeUnit.SECONDS).build();
  private FakeFcm fcm;

  @BeforeAll
  static void accounts() {
    account = TestServiceAccount.generate("demo-project");
    stranger = TestServiceAccount.generate("demo-project");
    staff = TestServiceAccount.generate("staff-app");
    partner = TestServiceAccount.generate("partner-app");
  }

  @AfterEach
  void stop() {
    if (fcm != null) {
      fcm.close();
    }
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  private FakeFcm fcm(FakeFcm.Builder b) {
    fcm = b.serviceAccount(account).clock(clock).build();
    return fcm;
  }

  private FakeFcm fcm() {
    return fcm(FakeFcm.builder());
  }

  // ------------------------------------------------------------------ the token endpoint

  @Test
  void aValidAssertionGetsATokenThatSendAccepts() throws Exception {
    fcm();
    Map<String, Object> token = tokenResponse(assertion(account, claims(fcm.tokenUri())), 200);
    assertThat(token).containsEntry("token_type", "Bearer").containsEntry("expires_in", 3599L);
    String accessToken = (String) token.get("access_token");

    try (Response r = send(accessToken, message("token", "device-1"))) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(json(r).get("name")).asString().startsWith("projects/demo-project/messages/0:");
    }
    TokenRequest t = fcm.tokenRequests().get(0);
    assertThat(t.problem()).isNull();
    assertThat(t.accessToken()).isEqualTo(accessToken);
    assertThat(t.claims()).containsEntry("iss", account.clientEmail()).containsEntry("scope", SCOPE);
    assertThat(t.instant("iat")).isEqualTo(clock.instant());
    assertThat(t.toString()).doesNotContain(accessToken);
    FcmRequest sent = fcm.requests().get(0);
    assertThat(sent.problems()).isEmpty();
    assertThat(sent.accepted()).isTrue();
    assertThat(sent.target()).isEqualTo("device-1");
    assertThat(sent.toString()).doesNotContain(accessToken).doesNotContain("device-1");
  }

  @Test
  void assertionsGoogleWouldRefuseGetNoToken() throws Exception {
    fcm();
    Map<String, Object> good = claims(fcm.tokenUri());
    Map<String, Map<String, Object>> refused = new LinkedHashMap<>();
    refused.put("Invalid JWT Signature.", good);                      // signed by another key
    refused.put("Invalid grant: account not found", with(good, "iss", "someone@other-project.iam.gserviceaccount.com"));
    refused.put("Invalid JWT: Failed audience check.", with(good, "aud", "https://oauth2.googleapis.com/token"));
    refused.put("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
        + "Check your iat and exp values in the JWT claim.", with(good, "exp", clock.instant().getEpochSecond() + 7200));
    for (Map.Entry<String, Map<String, Object>> c : refused.entrySet()) {
      TestServiceAccount signer = c.getValue() == good ? stranger : account;
      Map<String, Object> answer = tokenResponse(assertion(signer, c.getValue()), 400);
      assertThat(answer).as(c.getKey()).containsEntry("error", "invalid_grant").containsEntry("error_description", c.getKey());
    }
    assertThat(tokenResponse(assertion(account, with(good, "scope", "email")), 400)).containsEntry("error", "invalid_scope");
    clock.advance(Duration.ofHours(2)); // the assertion has expired
    assertThat(tokenResponse(assertion(account, good), 400)).containsEntry("error", "invalid_grant");
    assertThat(fcm.tokenRequests()).allSatisfy(t -> {
      assertThat(t.problem()).isNotNull();
      assertThat(t.accessToken()).isNull();
    });
  }

  @Test
  void sendWithoutAnIssuedTokenIsUnauthenticatedAndRevokedTokensStopWorking() throws Exception {
    fcm();
    try (Response r = send("ya29.made-up", message("token", "device-1"))) {
      assertThat(r.code()).isEqualTo(401);
      assertThat(error(r)).containsEntry("status", "UNAUTHENTICATED").doesNotContainKey("details");
    }
    String token = token();
    fcm.revokeTokens();
    try (Response r = send(token, message("token", "device-1"))) {
      assertThat(r.code()).isEqualTo(401);
    }
    assertThat(fcm.requests()).allSatisfy(q -> assertThat(q.accepted()).isFalse());
  }

  @Test
  void aScriptedTokenEndpointAnswersAsToldAndThenIssuesAgain() throws Exception {
    fcm();
    fcm.answerTokenRequests(FakeFcm.tokenError(400, "invalid_grant", "Invalid JWT Signature."));
    assertThat(tokenResponse(assertion(account, claims(fcm.tokenUri())), 400)).containsEntry("error", "invalid_grant");
    fcm.answerTokenRequests(Reply.status(503).withRetryAfter(Duration.ofSeconds(30)).withBody("<html>busy</html>"));
    try (Response r = tokenCall(assertion(account, claims(fcm.tokenUri())))) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.header("Retry-After")).isEqualTo("30");
    }
    fcm.answerTokenRequests(null);
    assertThat(tokenResponse(assertion(account, claims(fcm.tokenUri())), 200)).containsKey("access_token");
    assertThat(fcm.tokenRequestCount()).isEqualTo(3);
  }

  // ------------------------------------------------------------------ messages:send

  @Test
  void malformedMessagesAreRefusedWithFcmsBadRequest() throws Exception {
    fcm();
    String token = token();
    Map<String, Object> twoTargets = message("token", "device-1");
    ((Map<String, Object>) twoTargets.get("message")).put("topic", "news");
    try (Response r = send(token, twoTargets)) {
      assertThat(r.code()).isEqualTo(400);
      Map<String, Object> e = error(r);
      assertThat(e).containsEntry("status", "INVALID_ARGUMENT");
      assertThat(e.get("details").toString()).contains("google.rpc.BadRequest").contains("message.target");
    }
    Map<String, Object> badTtl = message("token", "device-1");
    ((Map<String, Object>) badTtl.get("message")).put("android", Map.of("ttl", "3600"));
    try (Response r = send(token, badTtl)) {
      assertThat(error(r).get("details").toString()).contains("message.android.ttl");
    }
    Map<String, Object> reserved = message("token", "device-1");
    ((Map<String, Object>) reserved.get("message")).put("data", Map.of("google.sent_time", "1"));
    try (Response r = send(token, reserved)) {
      assertThat(r.code()).isEqualTo(400);
    }
    Map<String, Object> big = message("token", "device-1");
    ((Map<String, Object>) big.get("message")).put("data", Map.of("blob", "x".repeat(4093)));
    try (Response r = send(token, big)) {
      assertThat(r.code()).isEqualTo(400);
      assertThat(error(r)).containsEntry("message", "Android message is too big");
    }
    assertThat(fcm.requests()).hasSize(4).allSatisfy(q -> assertThat(q.problems()).isNotEmpty());
  }

  @Test
  void errorsScriptedByTargetCarryFcmsStatusBodies() throws Exception {
    fcm();
    String token = token();
    fcm.answer("gone-device", FcmError.UNREGISTERED.reply());
    try (Response r = send(token, message("token", "gone-device"))) {
      assertThat(r.code()).isEqualTo(404);
      Map<String, Object> e = error(r);
      assertThat(e).containsEntry("status", "NOT_FOUND").containsEntry("message", "Requested entity was not found.");
      assertThat(e.get("details")).isEqualTo(List.of(Map.of("@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError",
          "errorCode", "UNREGISTERED")));
    }
    try (Response r = send(token, message("fid", "other-device"))) {
      assertThat(r.code()).isEqualTo(200);
    }
    fcm.answerNext(Reply.status(503).withRetryAfter(Duration.ofSeconds(10)), Reply.status(429));
    try (Response r = send(token, message("token", "other-device"))) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.header("Retry-After")).isEqualTo("10");
      assertThat(error(r).get("details").toString()).contains("UNAVAILABLE");
    }
    try (Response r = send(token, message("token", "other-device"))) {
      assertThat(error(r)).containsEntry("status", "RESOURCE_EXHAUSTED");
    }
    fcm.answerWith(q -> q.data().containsKey("fail") ? Reply.status(500) : Reply.accept());
    Map<String, Object> failing = message("token", "other-device");
    ((Map<String, Object>) failing.get("message")).put("data", Map.of("fail", "yes"));
    try (Response r = send(token, failing)) {
      assertThat(error(r)).containsEntry("status", "INTERNAL");
    }
  }

  @Test
  void aValidateOnlyRequestIsAnsweredAsFcmDoesAndReachesNoDevice() throws Exception {
    fcm();
    List<FcmRequest> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
    fcm.onDelivery(delivered::add);
    Map<String, Object> dry = message("token", "device-1");
    dry.put("validate_only", true);
    try (Response r = send(token(), dry)) {
      assertThat(json(r)).containsEntry("name", "projects/demo-project/messages/fake_message_id");
    }
    assertThat(delivered).isEmpty();
  }

  @Test
  void anOfflineDeviceGetsWhatFcmKeepsWhenItComesBack() throws Exception {
    fcm();
    String token = token();
    List<FcmRequest> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
    fcm.onDelivery(delivered::add);
    fcm.offline("phone");
    for (int i = 0; i < 6; i++) {
      Map<String, Object> m = message("token", "phone");
      ((Map<String, Object>) m.get("message")).put("android", Map.of("collapse_key", "k" + i));
      send(token, m).close();
      send(token, message("token", "phone")).close();
    }
    assertThat(delivered).isEmpty();
    List<FcmRequest> back = fcm.online("phone");
    // Every message without a collapse key, the latest of at most four collapse keys.
    assertThat(back).hasSize(6 + FakeFcm.MAX_STORED_COLLAPSE_KEYS);
    assertThat(delivered).containsExactlyElementsOf(back);
    send(token, message("token", "phone")).close();
    assertThat(delivered).hasSize(back.size() + 1);
  }

  @Test
  void networkFaultsLeaveTheClientWithoutAnAnswer() throws Exception {
    fcm();
    String token = token();
    fcm.answerNext(Reply.dropConnection(), Reply.accept().cutMidBody());
    assertThatThrownBy(() -> send(token, message("token", "device-1")).close()).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> {
      try (Response r = send(token, message("token", "device-1"))) {
        r.body().string();
      }
    }).isInstanceOf(IOException.class);
    assertThat(fcm.requests()).extracting(FcmRequest::accepted).containsExactly(false, true);
  }

  @Test
  void priorKnowledgeServesCleartextHttp2() throws Exception {
    fcm(FakeFcm.builder().http2PriorKnowledge(true));
    String token = token();
    OkHttpClient h2c = http.newBuilder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)).build();
    try (Response r = h2c.newCall(sendRequest(token, message("token", "device-1"))).execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.protocol()).isEqualTo(Protocol.H2_PRIOR_KNOWLEDGE);
    }
    assertThat(fcm.requests().get(0).httpVersion()).isEqualTo("HTTP/2");
  }

  @Test
  void theServiceAccountFileNamesTheFakesTokenEndpoint() throws Exception {
    fcm();
    Map<String, Object> file = JSONObjectUtils.parse(fcm.serviceAccountJson());
    assertThat(file).containsEntry("token_uri", fcm.tokenUri()).containsEntry("project_id", "demo-project")
        .containsEntry("client_email", account.clientEmail()).containsEntry("private_key_id", account.privateKeyId());
    assertThat((String) file.get("private_key")).startsWith("-----BEGIN PRIVATE KEY-----\n");
    assertThat(account.toString()).doesNotContain("PRIVATE KEY").contains("<redacted>");
    assertThat(fcm.sendPath()).isEqualTo("/v1/projects/demo-project/messages:send");
  }

  // ------------------------------------------------------------------ several projects

  @Test
  void eachProjectsTokenIsAcceptedByItsOwnProjectAloneAndAnotherProjectAnswers403() throws Exception {
    fcm = FakeFcm.builder().serviceAccount(account).serviceAccount(staff).clock(clock).build();
    assertThat(fcm.serviceAccount()).isSameAs(account);
    assertThat(fcm.serviceAccounts()).containsExactly(account, staff);
    String customerToken = token();
    String staffToken = (String) tokenResponse(assertion(staff, claims(staff, fcm.tokenUri())), 200).get("access_token");

    try (Response r = sendTo("demo-project", customerToken, message("token", "customer-1"))) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(json(r).get("name")).asString().startsWith("projects/demo-project/messages/0:");
    }
    try (Response r = sendTo("staff-app", staffToken, message("token", "staff-1"))) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(json(r).get("name")).asString().startsWith("projects/staff-app/messages/0:");
    }
    try (Response r = sendTo("staff-app", customerToken, message("token", "staff-2"))) {
      assertThat(r.code()).isEqualTo(403);
      assertThat(error(r)).containsEntry("status", "PERMISSION_DENIED").containsEntry("message",
          "Permission 'cloudmessaging.messages.create' denied on resource "
              + "'//cloudresourcemanager.googleapis.com/projects/staff-app' (or it may not exist).");
    }
    try (Response r = sendTo("demo-project", staffToken, message("token", "customer-2"))) {
      assertThat(r.code()).isEqualTo(403);
    }
    assertThat(fcm.requests()).extracting(FcmRequest::project)
        .containsExactly("demo-project", "staff-app", "staff-app", "demo-project");
    assertThat(fcm.requests().get(2).problems()).containsExactly("project: a token of project demo-project sent to project staff-app");
    assertThat(fcm.requests().get(2).accepted()).isFalse();
    assertThat(fcm.acceptedCount("demo-project")).isEqualTo(1);
    assertThat(fcm.acceptedCount("staff-app")).isEqualTo(1);
    assertThat(fcm.acceptedCount("partner-app")).isZero();
    assertThat(FakeFcm.sendPath("staff-app")).isEqualTo("/v1/projects/staff-app/messages:send");
  }

  @Test
  void oneProjectsTokenRequestsCanBeRefusedWhileTheOthersGetTokens() throws Exception {
    fcm = FakeFcm.builder().serviceAccount(account).serviceAccount(staff).clock(clock).build();
    fcm.answerTokenRequests("staff-app", FakeFcm.tokenError(400, "invalid_grant", "Invalid JWT Signature."));
    assertThat(tokenResponse(assertion(staff, claims(staff, fcm.tokenUri())), 400)).containsEntry("error", "invalid_grant");
    assertThat(token()).as("the other project's account").startsWith("ya29.");
    fcm.answerTokenRequests("staff-app", null);
    assertThat(tokenResponse(assertion(staff, claims(staff, fcm.tokenUri())), 200)).containsKey("access_token");
    assertThat(fcm.tokenRequests()).extracting(TokenRequest::accessToken).satisfies(t -> {
      assertThat(t.get(0)).isNull();
      assertThat(t.get(1)).isNotNull();
      assertThat(t.get(2)).isNotNull();
    });
  }

  @Test
  void anAccountAddedWhileRunningGetsTokensForItsProjectFromThenOn() throws Exception {
    fcm();
    assertThat(tokenResponse(assertion(partner, claims(partner, fcm.tokenUri())), 400))
        .containsEntry("error_description", "Invalid grant: account not found");
    assertThat(fcm.addServiceAccount(partner)).isSameAs(partner);
    assertThatThrownBy(() -> fcm.addServiceAccount(partner)).isInstanceOf(IllegalArgumentException.class);
    String partnerToken = (String) tokenResponse(assertion(partner, claims(partner, fcm.tokenUri())), 200).get("access_token");
    try (Response r = sendTo("partner-app", partnerToken, message("token", "partner-1"))) {
      assertThat(r.code()).isEqualTo(200);
    }
    assertThat(fcm.acceptedCount("partner-app")).isEqualTo(1);
    assertThat(fcm.serviceAccount()).as("still the first").isSameAs(account);
    assertThat(fcm.toString()).contains("demo-project").contains("partner-app");
    assertThatThrownBy(() -> FakeFcm.builder().serviceAccount(account).serviceAccount(account))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(account.clientEmail());
  }

  // ------------------------------------------------------------------ helpers

  private Map<String, Object> claims(String audience) {
    return claims(account, audience);
  }

  private Map<String, Object> claims(TestServiceAccount issuer, String audience) {
    long now = clock.instant().getEpochSecond();
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("iss", issuer.clientEmail());
    c.put("scope", SCOPE);
    c.put("aud", audience);
    c.put("iat", now);
    c.put("exp", now + 3600);
    return c;
  }

  private static Map<String, Object> with(Map<String, Object> claims, String name, Object value) {
    Map<String, Object> c = new LinkedHashMap<>(claims);
    c.put(name, value);
    return c;
  }

  /** An RS256 JWT signed with the JDK, as Google's client libraries make them. */
  private static String assertion(TestServiceAccount signer, Map<String, Object> claims) throws Exception {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("alg", "RS256");
    header.put("typ", "JWT");
    header.put("kid", signer == stranger ? account.privateKeyId() : signer.privateKeyId());
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String input = b64.encodeToString(JSONObjectUtils.toJSONString(header).getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(JSONObjectUtils.toJSONString(claims).getBytes(StandardCharsets.UTF_8));
    return input + "." + b64.encodeToString(sign(signer.privateKey(), input));
  }

  private static byte[] sign(PrivateKey key, String input) throws Exception {
    Signature s = Signature.getInstance("SHA256withRSA");
    s.initSign(key);
    s.update(input.getBytes(StandardCharsets.US_ASCII));
    return s.sign();
  }

  private Response tokenCall(String assertion) throws IOException {
    return http.newCall(new Request.Builder().url(fcm.tokenUri()).post(new FormBody.Builder()
        .add("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer").add("assertion", assertion).build()).build())
        .execute();
  }

  private Map<String, Object> tokenResponse(String assertion, int expectedStatus) throws Exception {
    try (Response r = tokenCall(assertion)) {
      assertThat(r.code()).isEqualTo(expectedStatus);
      return json(r);
    }
  }

  private String token() throws Exception {
    return (String) tokenResponse(assertion(account, claims(fcm.tokenUri())), 200).get("access_token");
  }

  private static Map<String, Object> message(String targetField, String target) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(targetField, target);
    m.put("notification", Map.of("title", "Your schedule starts now"));
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("message", m);
    return root;
  }

  private Request sendRequest(String token, Map<String, Object> body) {
    return new Request.Builder().url(fcm.baseUrl() + fcm.sendPath().substring(1)).header("Authorization", "Bearer " + token)
        .post(RequestBody.create(JSONObjectUtils.toJSONString(body), JSON)).build();
  }

  private Response send(String token, Map<String, Object> body) throws IOException {
    return http.newCall(sendRequest(token, body)).execute();
  }

  private Response sendTo(String project, String token, Map<String, Object> body) throws IOException {
    return http.newCall(new Request.Builder().url(fcm.baseUrl() + FakeFcm.sendPath(project).substring(1))
        .header("Authorization", "Bearer " + token).post(RequestBody.create(JSONObjectUtils.toJSONString(body), JSON)).build())
        .execute();
  }

  private static Map<String, Object> json(Response r) throws Exception {
    return JSONObjectUtils.parse(r.body().string());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> error(Response r) throws Exception {
    return (Map<String, Object>) json(r).get("error");
  }
}
