package dev.herald.fcm;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Protocol;

/**
 * Google's two endpoints on loopback, behaving like the real ones: an OAuth2 token endpoint that
 * verifies the RS256 assertion with the test service account's public key, and an FCM HTTP v1
 * endpoint (HTTP/2, prior knowledge) that checks the bearer token and the request JSON, answering
 * 400 with a {@code google.rpc.BadRequest} on a malformed message as FCM does.
 *
 * <p>It knows the test service account's project and any other added with {@link #addProject}: an
 * access token is issued for the project of the account that asked and is accepted only for that
 * project's send URL (another project's token is refused with 403 {@code PERMISSION_DENIED}, as FCM
 * does). {@link #tokenFailureFor} makes the token endpoint refuse one account alone.
 */
final class FakeGoogle implements AutoCloseable {
  static final String SEND_PATH = "/v1/projects/" + TestKeys.PROJECT + "/messages:send";
  private static final Pattern TTL = Pattern.compile("\\d+(\\.\\d{1,9})?s");
  private static final Pattern SEND = Pattern.compile("/v1/projects/([^/]+)/messages:send");
  private static final Set<String> TARGETS = Set.of("token", "fid", "topic", "condition");

  final MockWebServer tokenServer = new MockWebServer();
  final MockWebServer fcmServer = new MockWebServer();
  private final Clock clock;

  /** A service account the token endpoint knows: whose assertions it verifies, for which project. */
  record Account(String projectId, String email, String keyId, java.security.interfaces.RSAPublicKey publicKey) {}

  private final Map<String, Account> accounts = new ConcurrentHashMap<>();

  // Token endpoint state.
  final AtomicInteger tokenRequests = new AtomicInteger();
  /** Answers instead of a token for the account with that e-mail address. */
  final Map<String, MockResponse> tokenFailureFor = new ConcurrentHashMap<>();
  /** The project of each accepted message, in arrival order. */
  final List<String> messageProjects = new java.util.concurrent.CopyOnWriteArrayList<>();
  final List<String> assertionProblems = new java.util.concurrent.CopyOnWriteArrayList<>();
  final List<JWTClaimsSet> assertions = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<String, String> validTokens = new ConcurrentHashMap<>();
  volatile long expiresInSeconds = 3599;
  volatile MockResponse tokenFailure;
  /** While set, token responses wait for it to open. */
  volatile CountDownLatch tokenGate;
  /** Counted down when a token request arrives. */
  volatile CountDownLatch tokenRequested = new CountDownLatch(0);

  // FCM endpoint state.
  final AtomicInteger fcmRequests = new AtomicInteger();
  final Queue messages = new Queue();
  final List<String> requestProblems = new java.util.concurrent.CopyOnWriteArrayList<>();
  final List<String> bearerTokens = new java.util.concurrent.CopyOnWriteArrayList<>();
  final List<String> httpVersions = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  volatile long fcmDelayMillis;
  /** Decides the answer to a well-formed, authorised request; default 200 with a message name. */
  volatile Function<Map<String, Object>, MockResponse> responder = m -> ok();

  /** Parsed request bodies, in arrival order. */
  static final class Queue extends ConcurrentLinkedQueue<Map<String, Object>> {
    private static final long serialVersionUID = 1L;

    @SuppressWarnings("unchecked")
    Map<String, Object> lastMessage() {
      Map<String, Object> last = null;
      for (Map<String, Object> m : this) {
        last = m;
      }
      return last == null ? null : (Map<String, Object>) last.get("message");
    }
  }

  FakeGoogle(Clock clock) throws IOException {
    this.clock = clock;
    accounts.put(TestKeys.EMAIL, new Account(TestKeys.PROJECT, TestKeys.EMAIL, TestKeys.KEY_ID, TestKeys.publicKey()));
    tokenServer.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        return token(request);
      }
    });
    fcmServer.setProtocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE));
    fcmServer.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        return fcm(request);
      }
    });
    tokenServer.start();
    fcmServer.start();
  }

  String tokenUrl() {
    return tokenServer.url("/token").toString();
  }

  String fcmBaseUrl() {
    return fcmServer.url("/").toString();
  }

  /** A transport builder aimed at these servers. */
  FcmTransport.Builder transport() {
    return FcmTransport.builder()
        .serviceAccount(TestKeys.account("https://oauth2.googleapis.com/token"))
        .tokenUri(tokenUrl())
        .baseUrl(fcmBaseUrl())
        .http2PriorKnowledge(true)
        .clock(clock);
  }

  /**
   * Another Firebase project with a service account of its own (a fresh RSA key), known to both
   * endpoints from now on.
   *
   * @return that account, as the host would load it from its file
   */
  ServiceAccount addProject(String projectId) {
    java.security.KeyPair key = TestKeys.generate("RSA", 2048);
    String email = "herald-test@" + projectId + ".iam.gserviceaccount.com";
    String keyId = "fedcba9876543210fedcba9876543210" + Integer.toHexString(projectId.hashCode());
    accounts.put(email, new Account(projectId, email, keyId, (java.security.interfaces.RSAPublicKey) key.getPublic()));
    Map<String, Object> fields = TestKeys.fields("https://oauth2.googleapis.com/token");
    fields.put("project_id", projectId);
    fields.put("private_key_id", keyId);
    fields.put("private_key", TestKeys.pem(key.getPrivate()));
    fields.put("client_email", email);
    return ServiceAccount.fromJson(TestKeys.json(fields));
  }

  /** How many messages of a project FCM accepted. */
  long accepted(String projectId) {
    return messageProjects.stream().filter(projectId::equals).count();
  }

  /** Makes every token issued so far unacceptable to FCM, as a revocation would. */
  void revokeAllTokens() {
    validTokens.clear();
  }

  static MockResponse ok() {
    return json(200, Map.of("name", "projects/" + TestKeys.PROJECT + "/messages/0:1700000000000000%31bd1c9631bd1c96"));
  }

  static MockResponse json(int code, Map<String, ?> body) {
    return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json; charset=UTF-8")
        .body(JSONObjectUtils.toJSONString(body)).build();
  }

  /** A case of the fixture file, answered exactly as given. */
  @SuppressWarnings("unchecked")
  static MockResponse fixture(String name) {
    Map<String, Object> c = fixtureCase(name);
    MockResponse.Builder b = new MockResponse.Builder().code(((Number) c.get("http")).intValue())
        .setHeader("Content-Type", "application/json; charset=UTF-8")
        .body(JSONObjectUtils.toJSONString((Map<String, Object>) c.get("body")));
    Map<String, Object> headers = (Map<String, Object>) c.get("headers");
    if (headers != null) {
      headers.forEach((k, v) -> b.setHeader(k, v));
    }
    return b.build();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> fixtureCase(String name) {
    for (Object o : (List<Object>) fixtures().get("cases")) {
      Map<String, Object> c = (Map<String, Object>) o;
      if (name.equals(c.get("name"))) {
        return c;
      }
    }
    throw new IllegalArgumentException("no fixture case " + name);
  }

  static Map<String, Object> fixtures() {
    try (InputStream in = FakeGoogle.class.getResourceAsStream("/fcm-v1-errors.json")) {
      return JSONObjectUtils.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private MockResponse token(RecordedRequest request) throws InterruptedException {
    int n = tokenRequests.incrementAndGet();
    tokenRequested.countDown();
    CountDownLatch gate = tokenGate;
    if (gate != null && !gate.await(20, TimeUnit.SECONDS)) {
      throw new IllegalStateException("token gate never opened");
    }
    MockResponse failure = tokenFailure;
    if (failure != null) {
      return failure;
    }
    Account[] account = new Account[1];
    String problem = verifyAssertion(request, account);
    if (account[0] != null && tokenFailureFor.containsKey(account[0].email())) {
      return tokenFailureFor.get(account[0].email());
    }
    if (problem != null) {
      assertionProblems.add(problem);
      return json(400, Map.of("error", "invalid_grant", "error_description", "Invalid JWT Signature."));
    }
    String token = "ya29.fake-access-token-" + n + "-abcdefghijklmnopqrstuvwxyz";
    validTokens.put(token, account[0].projectId());
    return json(200, Map.of("access_token", token, "expires_in", expiresInSeconds, "token_type", "Bearer"));
  }

  private String verifyAssertion(RecordedRequest request, Account[] account) {
    if (!"POST".equals(request.getMethod()) || !"/token".equals(request.getUrl().encodedPath())) {
      return "wrong request line " + request.getRequestLine();
    }
    String contentType = request.getHeaders().get("Content-Type");
    if (contentType == null || !contentType.startsWith("application/x-www-form-urlencoded")) {
      return "content type " + contentType;
    }
    Map<String, String> form = new HashMap<>();
    for (String pair : request.getBody().utf8().split("&")) {
      int eq = pair.indexOf('=');
      form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))) {
      return "grant_type " + form.get("grant_type");
    }
    try {
      SignedJWT jwt = SignedJWT.parse(form.get("assertion"));
      Account who = accounts.get(String.valueOf(jwt.getJWTClaimsSet().getIssuer()));
      if (who == null) {
        return "iss " + jwt.getJWTClaimsSet().getIssuer();
      }
      account[0] = who;
      if (!JWSAlgorithm.RS256.equals(jwt.getHeader().getAlgorithm())) {
        return "alg " + jwt.getHeader().getAlgorithm();
      }
      if (!JOSEObjectType.JWT.equals(jwt.getHeader().getType())) {
        return "typ " + jwt.getHeader().getType();
      }
      if (!who.keyId().equals(jwt.getHeader().getKeyID())) {
        return "kid " + jwt.getHeader().getKeyID();
      }
      if (!jwt.verify(new RSASSAVerifier(who.publicKey()))) {
        return "signature does not verify";
      }
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      assertions.add(claims);
      if (!List.of(tokenUrl()).equals(claims.getAudience())) {
        return "aud " + claims.getAudience();
      }
      if (!"https://www.googleapis.com/auth/firebase.messaging".equals(claims.getClaim("scope"))) {
        return "scope " + claims.getClaim("scope");
      }
      long iat = claims.getIssueTime().toInstant().getEpochSecond();
      long exp = claims.getExpirationTime().toInstant().getEpochSecond();
      if (Math.abs(iat - clock.instant().getEpochSecond()) > 5) {
        return "iat " + iat + " is not now";
      }
      if (exp - iat != 3600) {
        return "lifetime " + (exp - iat);
      }
      return null;
    } catch (Exception e) {
      return "assertion unreadable: " + e;
    }
  }

  private MockResponse fcm(RecordedRequest request) throws InterruptedException {
    fcmRequests.incrementAndGet();
    httpVersions.add(request.getVersion());
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    try {
      if (fcmDelayMillis > 0) {
        Thread.sleep(fcmDelayMillis);
      }
      return answer(request);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  @SuppressWarnings("unchecked")
  private MockResponse answer(RecordedRequest request) {
    java.util.regex.Matcher path = SEND.matcher(request.getUrl().encodedPath());
    String project = path.matches() ? path.group(1) : null;
    if (!"POST".equals(request.getMethod()) || project == null
        || accounts.values().stream().noneMatch(a -> a.projectId().equals(project))) {
      requestProblems.add("request line " + request.getRequestLine());
      return json(404, Map.of("error", Map.of("code", 404, "message", "Not found", "status", "NOT_FOUND")));
    }
    String auth = request.getHeaders().get("Authorization");
    String bearer = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
    bearerTokens.add(String.valueOf(bearer));
    if (bearer == null || !validTokens.containsKey(bearer)) {
      return fixture("expired-access-token");
    }
    if (!project.equals(validTokens.get(bearer))) {
      requestProblems.add("a token of project " + validTokens.get(bearer) + " sent to project " + project);
      return json(403, Map.of("error", Map.of("code", 403, "status", "PERMISSION_DENIED",
          "message", "Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/"
              + project + "' (or it may not exist).")));
    }
    String contentType = request.getHeaders().get("Content-Type");
    if (contentType == null || !contentType.startsWith("application/json")) {
      requestProblems.add("content type " + contentType);
      return badRequest("message", "content type");
    }
    Map<String, Object> root;
    try {
      root = JSONObjectUtils.parse(request.getBody().utf8());
    } catch (Exception e) {
      requestProblems.add("body is not JSON");
      return badRequest("message", "Invalid JSON payload received.");
    }
    messages.add(root);
    messageProjects.add(project);
    List<String> violations = validate(root);
    if (!violations.isEmpty()) {
      requestProblems.addAll(violations);
      return badRequest(violations.get(0), "Invalid value at '" + violations.get(0) + "'");
    }
    return responder.apply((Map<String, Object>) root.get("message"));
  }

  /** The checks FCM's HTTP v1 API applies that a mapping bug could trip. */
  @SuppressWarnings("unchecked")
  static List<String> validate(Map<String, Object> root) {
    List<String> v = new ArrayList<>();
    for (String key : root.keySet()) {
      if (!key.equals("message") && !key.equals("validate_only")) {
        v.add(key);
      }
    }
    if (root.containsKey("validate_only") && !(root.get("validate_only") instanceof Boolean)) {
      v.add("validate_only");
    }
    if (!(root.get("message") instanceof Map)) {
      v.add("message");
      return v;
    }
    Map<String, Object> m = (Map<String, Object>) root.get("message");
    long targets = m.keySet().stream().filter(TARGETS::contains).count();
    if (targets != 1) {
      v.add("message.target (exactly one of token, fid, topic, condition): " + targets);
    }
    for (String t : TARGETS) {
      if (m.containsKey(t) && !(m.get(t) instanceof String s && !s.isEmpty())) {
        v.add("message." + t);
      }
    }
    stringMap(v, m, "data", "message.data");
    if (m.get("notification") instanceof Map<?, ?> n) {
      for (Object k : n.keySet()) {
        if (!Set.of("title", "body", "image").contains(k) || !(n.get(k) instanceof String)) {
          v.add("message.notification." + k);
        }
      }
    } else if (m.containsKey("notification")) {
      v.add("message.notification");
    }
    if (m.get("android") instanceof Map<?, ?> a) {
      if (a.containsKey("ttl") && !(a.get("ttl") instanceof String s && TTL.matcher(s).matches())) {
        v.add("message.android.ttl");
      }
      if (a.containsKey("priority") && !Set.of("high", "normal").contains(a.get("priority"))) {
        v.add("message.android.priority");
      }
      if (a.containsKey("collapse_key") && !(a.get("collapse_key") instanceof String)) {
        v.add("message.android.collapse_key");
      }
      if (a.get("notification") instanceof Map<?, ?> an && an.containsKey("tag") && !(an.get("tag") instanceof String)) {
        v.add("message.android.notification.tag");
      }
    }
    if (m.get("apns") instanceof Map<?, ?> apns) {
      stringMap(v, (Map<String, Object>) apns, "headers", "message.apns.headers");
      if (apns.get("headers") instanceof Map<?, ?> h) {
        if (h.containsKey("apns-priority") && !Set.of("5", "10").contains(h.get("apns-priority"))) {
          v.add("message.apns.headers.apns-priority");
        }
        if (h.get("apns-collapse-id") instanceof String id && id.getBytes(StandardCharsets.UTF_8).length > 64) {
          v.add("message.apns.headers.apns-collapse-id");
        }
        // FCM: data-only messages to iOS allow only priority 5.
        if (!m.containsKey("notification") && "10".equals(h.get("apns-priority"))) {
          v.add("message.apns.headers.apns-priority (10 on a data-only message)");
        }
      }
    }
    if (m.get("webpush") instanceof Map<?, ?> w) {
      stringMap(v, (Map<String, Object>) w, "headers", "message.webpush.headers");
      if (w.get("fcm_options") instanceof Map<?, ?> o && o.get("link") instanceof String link && !link.startsWith("https://")) {
        v.add("message.webpush.fcm_options.link");
      }
    }
    return v;
  }

  private static void stringMap(List<String> v, Map<String, Object> parent, String key, String path) {
    Object o = parent.get(key);
    if (o == null) {
      return;
    }
    if (!(o instanceof Map<?, ?> map)) {
      v.add(path);
      return;
    }
    map.forEach((k, val) -> {
      if (!(val instanceof String)) {
        v.add(path + "." + k);
      }
    });
  }

  static MockResponse badRequest(String field, String description) {
    Map<String, Object> violation = new LinkedHashMap<>();
    violation.put("field", field);
    violation.put("description", description);
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("@type", "type.googleapis.com/google.rpc.BadRequest");
    detail.put("fieldViolations", List.of(violation));
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", 400);
    error.put("message", description);
    error.put("status", "INVALID_ARGUMENT");
    error.put("details", List.of(detail));
    return json(400, Map.of("error", error));
  }

  static MockResponse withRetryAfter(MockResponse r, Duration d) {
    return r.newBuilder().setHeader("Retry-After", Long.toString(d.getSeconds())).build();
  }

  @Override
  public void close() {
    CountDownLatch gate = tokenGate;
    if (gate != null) {
      while (gate.getCount() > 0) {
        gate.countDown();
      }
    }
    tokenServer.close();
    fcmServer.close();
  }
}
