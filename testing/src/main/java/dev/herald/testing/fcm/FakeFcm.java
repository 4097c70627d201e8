package dev.herald.testing.fcm;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.testing.Reply;
import dev.herald.testing.SelfSignedTls;
import dev.herald.testing.internal.FakeHttpServer;
import dev.herald.testing.internal.History;
import dev.herald.testing.internal.Jws;
import dev.herald.testing.internal.OfflineStore;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * Google's OAuth2 token endpoint and FCM HTTP v1 on 127.0.0.1, behaving as the real ones do: the
 * token endpoint verifies the RS256 JWT-bearer assertion of its {@link TestServiceAccount} (signature
 * with the JDK's own code, key id, issuer, audience, scope, lifetime) and issues access tokens;
 * {@code messages:send} requires a token it issued, checks the message as FCM does (one target,
 * string maps, TTL format, priorities, reserved data keys, the 4096-byte data limit) and answers with
 * FCM's {@code google.rpc.Status} bodies. What it answers to a well-formed message is scripted by
 * target ({@link #answer(String, Reply)}), in order ({@link #answerNext}) or by a function
 * ({@link #answerWith}); by default it accepts. An accepted message reaches its device at once, or,
 * while the device is {@link #offline offline}, is kept by FCM's rule for offline devices until it
 * comes back. Every request is observable ({@link #requests()}, {@link #onRequest}).
 *
 * <p>It may know several service accounts, of one Firebase project or several
 * ({@link Builder#serviceAccount}, {@link #addServiceAccount}). As Google does, it issues an access
 * token for the project of the account that asked, and {@code messages:send} of another project
 * refuses that token with 403 {@code PERMISSION_DENIED}. The token endpoint can be scripted for one
 * project's accounts alone ({@link #answerTokenRequests(String, Reply)}), and messages are counted per
 * project ({@link #acceptedCount(String)}).
 *
 * <pre>{@code
 * try (FakeFcm fcm = FakeFcm.start()) {
 *   FcmTransport transport = FcmTransport.builder()
 *       .serviceAccount(ServiceAccount.fromJson(fcm.serviceAccountJson()))   // token_uri points here
 *       .baseUrl(fcm.baseUrl())
 *       .build();
 *   fcm.answer(oldToken, FcmError.UNREGISTERED.reply());
 *   ...
 *   assertThat(fcm.requests()).extracting(FcmRequest::target).contains(newToken);
 * }
 * }</pre>
 *
 * <p>Thread-safe. The functions and listeners run on the server's threads, one per request; a
 * function that blocks holds that request's answer. {@link #close()} stops both servers.
 */
public final class FakeFcm implements AutoCloseable {
  /** FCM keeps at most this many messages without a collapse key for an offline device; one more and it drops them all. */
  public static final int MAX_STORED_MESSAGES = OfflineStore.MAX_NON_COLLAPSIBLE;
  /** FCM keeps at most this many collapse keys (the latest message of each) for an offline device. */
  public static final int MAX_STORED_COLLAPSE_KEYS = OfflineStore.MAX_COLLAPSE_KEYS;

  static final List<String> TARGET_FIELDS = List.of("token", "fid", "topic", "condition");
  private static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
  private static final String CLOUD_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
  private static final Pattern TTL = Pattern.compile("\\d+(\\.\\d{1,9})?s");
  private static final int DATA_LIMIT = 4096;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern SEND = Pattern.compile("/v1/projects/([^/]+)/messages:send");

  /** The accounts whose assertions are accepted, the first the default; a copy is written on each change. */
  private volatile List<TestServiceAccount> accounts;
  private final Clock clock;
  private final Duration accessTokenLifetime;
  private final int maxConcurrentStreams;
  private final FakeHttpServer tokenServer;
  private final FakeHttpServer fcmServer;

  /** Each access token issued, with the account it was issued to. */
  private final Map<String, TestServiceAccount> issued = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> acceptedByProject = new ConcurrentHashMap<>();
  private final Map<String, Reply> tokenRepliesByProject = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final History<FcmRequest> requests;
  private final History<TokenRequest> tokenRequests;
  private final Map<String, Reply> byTarget = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Reply> next = new ConcurrentLinkedQueue<>();
  private final Map<String, OfflineStore<FcmRequest>> offline = new HashMap<>();
  private volatile Function<? super FcmRequest, Reply> script = r -> Reply.accept();
  private volatile Reply tokenReply;
  private volatile Consumer<? super FcmRequest> onRequest = r -> {};
  private volatile Consumer<? super FcmRequest> onDelivery = r -> {};
  private volatile Consumer<? super TokenRequest> onTokenRequest = r -> {};

  private FakeFcm(Builder b) {
    this.accounts = b.accounts.isEmpty() ? List.of(TestServiceAccount.generate()) : List.copyOf(b.accounts);
    this.clock = b.clock;
    this.accessTokenLifetime = b.accessTokenLifetime;
    this.maxConcurrentStreams = b.maxConcurrentStreams;
    this.requests = new History<>(b.history);
    this.tokenRequests = new History<>(b.history);
    this.tokenServer = new FakeHttpServer(b.tls == null ? null : b.tls.server(), false, this::token);
    try {
      this.fcmServer = new FakeHttpServer(b.tls == null ? null : b.tls.server(), b.http2PriorKnowledge, this::send);
    } catch (RuntimeException e) {
      tokenServer.close();
      throw e;
    }
  }

  /** A fake with a generated service account of {@code demo-project}, over HTTP/1.1, on the system clock. */
  public static FakeFcm start() {
    return builder().build();
  }

  /** A builder; {@link Builder#build()} starts the fake. */
  public static Builder builder() {
    return new Builder();
  }

  // ------------------------------------------------------------------ addresses and credentials

  /** FCM's base URL, {@code http://127.0.0.1:<port>/}, for {@code FcmTransport.Builder.baseUrl}. */
  public String baseUrl() {
    return fcmServer.url("/");
  }

  /** The token endpoint, {@code http://127.0.0.1:<port>/token}: the {@code token_uri} of {@link #serviceAccountJson()}. */
  public String tokenUri() {
    return tokenServer.url("/token");
  }

  /** The first service account whose assertions the token endpoint accepts (the builder's first, or a generated one). */
  public TestServiceAccount serviceAccount() {
    return accounts.get(0);
  }

  /** Every service account whose assertions the token endpoint accepts, the {@link #serviceAccount() first} first. */
  public List<TestServiceAccount> serviceAccounts() {
    return accounts;
  }

  /**
   * From now on, the token endpoint also accepts the assertions of {@code account} (of another
   * Firebase project, say, whose {@code messages:send} is then served too).
   *
   * @return {@code account}
   * @throws IllegalArgumentException when an account with the same client email and key id is known already
   */
  public TestServiceAccount addServiceAccount(TestServiceAccount account) {
    Objects.requireNonNull(account, "account");
    synchronized (this) {
      List<TestServiceAccount> more = new ArrayList<>(accounts);
      Builder.add(more, account);
      accounts = List.copyOf(more);
    }
    return account;
  }

  /** The first service account's JSON file, whose {@code token_uri} is {@link #tokenUri()}. */
  public String serviceAccountJson() {
    return serviceAccount().json(tokenUri());
  }

  /** The path of {@code messages:send} for the first service account's project. */
  public String sendPath() {
    return sendPath(serviceAccount().projectId());
  }

  /** The path of {@code messages:send} for {@code projectId}: {@code /v1/projects/<projectId>/messages:send}. */
  public static String sendPath(String projectId) {
    return "/v1/projects/" + Objects.requireNonNull(projectId, "projectId") + "/messages:send";
  }

  /** FCM's port, for counting a client's connections to it. */
  public int port() {
    return fcmServer.port();
  }

  // ------------------------------------------------------------------ scripting

  /**
   * Answers every later well-formed message to {@code target} (a registration token, installation
   * id, topic or condition) with {@code reply}, ahead of {@link #answerNext} and {@link #answerWith};
   * null stops doing so.
   */
  public void answer(String target, Reply reply) {
    Objects.requireNonNull(target, "target");
    if (reply == null) {
      byTarget.remove(target);
    } else {
      byTarget.put(target, reply);
    }
  }

  /** Answers the next well-formed messages (not scripted by target) with these replies, in order. */
  public void answerNext(Reply... replies) {
    next.addAll(List.of(replies));
  }

  /**
   * Answers every other well-formed message by {@code answer}, which sees the request with
   * {@link FcmRequest#reply()} still null. The default accepts everything.
   */
  public void answerWith(Function<? super FcmRequest, Reply> answer) {
    this.script = Objects.requireNonNull(answer, "answer");
  }

  /**
   * Answers every token request with {@code reply} instead of verifying it and issuing a token (a
   * refused grant, an outage, a strange token response); null returns to issuing. See {@link #tokenError}.
   */
  public void answerTokenRequests(Reply reply) {
    this.tokenReply = reply;
  }

  /**
   * Answers the token requests of {@code projectId}'s accounts (the account the assertion's
   * {@code iss} names) with {@code reply} instead of verifying them and issuing a token, as when one
   * project's key was revoked; the other projects' accounts still get tokens. null returns to
   * issuing. {@link #answerTokenRequests(Reply)} comes first.
   */
  public void answerTokenRequests(String projectId, Reply reply) {
    Objects.requireNonNull(projectId, "projectId");
    if (reply == null) {
      tokenRepliesByProject.remove(projectId);
    } else {
      tokenRepliesByProject.put(projectId, reply);
    }
  }

  /** The token endpoint's refusal: {@code status} with {@code {"error": error, "error_description": description}}. */
  public static Reply tokenError(int status, String error, String description) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", error);
    if (description != null) {
      body.put("error_description", description);
    }
    return Reply.status(status).withJson(JSONObjectUtils.toJSONString(body));
  }

  /** Makes every access token issued so far unacceptable, as a revoked key or an expired token is. */
  public void revokeTokens() {
    issued.clear();
  }

  // ------------------------------------------------------------------ devices

  /** From now on, the device of {@code target} is offline: accepted messages wait at FCM, by FCM's storage rule. */
  public void offline(String target) {
    synchronized (offline) {
      offline.putIfAbsent(target, new OfflineStore<>(target.hashCode()));
    }
  }

  /**
   * The device of {@code target} comes back: what FCM kept for it reaches it now (and
   * {@link #onDelivery} hears of each).
   *
   * @return the messages that reached it, in the order FCM hands them over
   */
  public List<FcmRequest> online(String target) {
    OfflineStore<FcmRequest> store;
    synchronized (offline) {
      store = offline.remove(target);
    }
    if (store == null) {
      return List.of();
    }
    List<FcmRequest> kept = store.drain();
    kept.forEach(onDelivery);
    return kept;
  }

  // ------------------------------------------------------------------ observation

  /** The last send requests received (up to the builder's {@link Builder#history history}), oldest first. */
  public List<FcmRequest> requests() {
    return requests.items();
  }

  /** How many send requests were received, well formed or not. */
  public long requestCount() {
    return requests.total();
  }

  /**
   * How many messages FCM took in for {@code projectId} (sent to its {@code messages:send} with one
   * of its tokens and accepted; dry runs not counted).
   */
  public long acceptedCount(String projectId) {
    AtomicLong n = acceptedByProject.get(projectId);
    return n == null ? 0 : n.get();
  }

  /** The last token requests received, oldest first. */
  public List<TokenRequest> tokenRequests() {
    return tokenRequests.items();
  }

  /** How many token requests were received. */
  public long tokenRequestCount() {
    return tokenRequests.total();
  }

  /** Calls {@code listener} with every send request once it is answered (replacing any listener before). */
  public void onRequest(Consumer<? super FcmRequest> listener) {
    this.onRequest = Objects.requireNonNull(listener, "listener");
  }

  /** Calls {@code listener} with every accepted message when it reaches its device (at once, or when it comes back online). */
  public void onDelivery(Consumer<? super FcmRequest> listener) {
    this.onDelivery = Objects.requireNonNull(listener, "listener");
  }

  /**
   * Calls {@code listener} with every token request before it is answered; the answer waits while
   * the listener runs (a test can hold a token response this way).
   */
  public void onTokenRequest(Consumer<? super TokenRequest> listener) {
    this.onTokenRequest = Objects.requireNonNull(listener, "listener");
  }

  @Override
  public void close() {
    try {
      tokenServer.close();
    } finally {
      fcmServer.close();
    }
  }

  @Override
  public String toString() {
    return "FakeFcm[" + baseUrl() + ", projects " + accounts.stream().map(TestServiceAccount::projectId).distinct().toList() + "]";
  }

  // ------------------------------------------------------------------ the token endpoint

  private MockResponse token(RecordedRequest request) {
    Instant now = clock.instant();
    Map<String, Object> claims = Map.of();
    String problem;
    Reply reply;
    Map<String, String> form = form(request);
    TestServiceAccount[] named = new TestServiceAccount[1];
    if (!"POST".equals(request.getMethod()) || !"/token".equals(request.getUrl().encodedPath())) {
      problem = "request line " + request.getRequestLine();
      reply = Reply.status(404).withBody("Not Found");
    } else if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))) {
      problem = "grant_type " + form.get("grant_type");
      reply = tokenError(400, "unsupported_grant_type", "Invalid grant_type: " + form.getOrDefault("grant_type", ""));
    } else {
      Jws jws;
      try {
        jws = Jws.parse(form.get("assertion"));
        claims = jws.claims();
        problem = assertionProblem(jws, request, now, named);
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
      }
      reply = problem == null ? null : tokenError(400, problem.startsWith("scope") ? "invalid_scope" : "invalid_grant",
          problem.startsWith("scope") ? "Invalid OAuth scope or ID token audience provided." : googleDescription(problem));
    }
    Reply override = tokenReply;
    if (override == null && named[0] != null) {
      override = tokenRepliesByProject.get(named[0].projectId());
    }
    String accessToken = null;
    if (override != null) {
      reply = override;
    } else if (reply == null) {
      accessToken = "ya29.c.fake-" + ids.incrementAndGet() + "-" + Long.toUnsignedString(RANDOM.nextLong(), 36);
      issued.put(accessToken, named[0]);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("access_token", accessToken);
      body.put("expires_in", accessTokenLifetime.getSeconds());
      body.put("token_type", "Bearer");
      reply = Reply.status(200).withJson(JSONObjectUtils.toJSONString(body));
    }
    TokenRequest recorded = new TokenRequest(now, claims, problem, accessToken);
    tokenRequests.add(recorded);
    onTokenRequest.accept(recorded);
    return FakeHttpServer.render(reply, new MockResponse.Builder().code(200), status -> new MockResponse.Builder());
  }

  private static Map<String, String> form(RecordedRequest request) {
    Map<String, String> form = new HashMap<>();
    String type = request.getHeaders().get("Content-Type");
    if (request.getBody() == null || type == null || !type.startsWith("application/x-www-form-urlencoded")) {
      return form;
    }
    for (String pair : request.getBody().utf8().split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }

  /**
   * What Google checks of a JWT-bearer assertion (RFC 7523 §3, Google's service-account flow).
   * {@code named[0]} is set to the account the assertion's {@code iss} (and {@code kid}) names, if any.
   */
  private String assertionProblem(Jws jws, RecordedRequest request, Instant now, TestServiceAccount[] named) {
    Object iss = jws.claims().get("iss");
    List<TestServiceAccount> ofIss = accounts.stream().filter(a -> a.clientEmail().equals(iss)).toList();
    Object kid = jws.header().get("kid");
    TestServiceAccount account = ofIss.stream().filter(a -> kid == null ? jws.verifiedBy(a.publicKey()) : a.privateKeyId().equals(kid))
        .findFirst().orElse(ofIss.isEmpty() ? null : ofIss.get(0));
    named[0] = account;
    if (!"RS256".equals(jws.header().get("alg"))) {
      return "signature: alg " + jws.header().get("alg");
    }
    if (account == null) {
      return "account: iss " + iss;
    }
    if (kid != null && !account.privateKeyId().equals(kid)) {
      return "signature: kid is not the account's private_key_id";
    }
    if (!jws.verifiedBy(account.publicKey())) {
      return "signature does not verify with the account's key";
    }
    // The audience is the token endpoint as the client reached it.
    String self = FakeHttpServer.origin(request) + request.getUrl().encodedPath();
    Object aud = jws.claims().get("aud");
    if (!(aud instanceof String s ? s.equals(self) : aud instanceof List<?> l && l.contains(self))) {
      return "audience: aud " + aud + " is not " + self;
    }
    Object scope = jws.claims().get("scope");
    List<String> scopes = scope instanceof String s ? List.of(s.split(" ")) : List.of();
    if (!scopes.contains(SCOPE) && !scopes.contains(CLOUD_SCOPE)) {
      return "scope " + scope + " does not allow FCM";
    }
    Long iat = jws.seconds("iat");
    Long exp = jws.seconds("exp");
    if (iat == null || exp == null || exp - iat > 3600 || exp <= now.getEpochSecond() || iat > now.getEpochSecond() + 60) {
      return "lifetime: iat " + iat + ", exp " + exp + " at " + now.getEpochSecond();
    }
    return null;
  }

  private static String googleDescription(String problem) {
    if (problem.startsWith("account")) {
      return "Invalid grant: account not found";
    }
    if (problem.startsWith("lifetime")) {
      return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
          + "Check your iat and exp values in the JWT claim.";
    }
    if (problem.startsWith("audience")) {
      return "Invalid JWT: Failed audience check.";
    }
    return "Invalid JWT Signature.";
  }

  // ------------------------------------------------------------------ messages:send

  private MockResponse send(RecordedRequest request) {
    Instant now = clock.instant();
    List<String> problems = new ArrayList<>();
    String auth = request.getHeaders().get("Authorization");
    String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
    Map<String, Object> body = null;
    Reply refusal = null;
    String path = request.getUrl().encodedPath();
    java.util.regex.Matcher send = SEND.matcher(path);
    String project = send.matches() ? send.group(1) : null;
    TestServiceAccount holder = token == null ? null : issued.get(token);
    if (!"POST".equals(request.getMethod()) || project == null) {
      problems.add("request line " + request.getRequestLine());
      refusal = Reply.status(404).withJson(FcmError.status(404, "NOT_FOUND", "Not Found", List.of()));
    } else if (holder == null) {
      problems.add("Authorization: no access token this endpoint issued");
      refusal = Reply.status(401).withJson(FcmError.status(401, "UNAUTHENTICATED", "Request had invalid authentication "
          + "credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.", List.of()));
    } else if (!project.equals(holder.projectId())) {
      problems.add("project: a token of project " + holder.projectId() + " sent to project " + project);
      refusal = Reply.status(403).withJson(FcmError.status(403, "PERMISSION_DENIED", "Permission "
          + "'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/"
          + project + "' (or it may not exist).", List.of()));
    } else {
      String contentType = request.getHeaders().get("Content-Type");
      try {
        if (contentType == null || !contentType.startsWith("application/json")) {
          throw new java.text.ParseException("content type " + contentType, 0);
        }
        body = JSONObjectUtils.parse(request.getBody() == null ? "" : request.getBody().utf8());
      } catch (java.text.ParseException e) {
        problems.add("body is not JSON: " + e.getMessage());
        refusal = badRequest("message", "Invalid JSON payload received.");
      }
      if (body != null) {
        problems.addAll(validate(body));
        if (!problems.isEmpty()) {
          String first = problems.get(0);
          refusal = first.startsWith("data is ")
              ? FcmError.INVALID_ARGUMENT.reply("Android message is too big")
              : badRequest(first.split(" ", 2)[0], "Invalid value at '" + first.split(" ", 2)[0] + "': " + first);
        }
      }
    }
    FcmRequest pending = new FcmRequest(now, request.getVersion(), project, token, body, List.copyOf(problems), null);
    Reply reply = refusal != null ? refusal : decide(pending);
    FcmRequest answered = new FcmRequest(now, request.getVersion(), project, token, body, pending.problems(), reply);
    if (answered.accepted() && !answered.validateOnly()) {
      acceptedByProject.computeIfAbsent(project, p -> new AtomicLong()).incrementAndGet();
    }
    requests.add(answered);
    onRequest.accept(answered);
    if (answered.accepted() && !answered.validateOnly()) {
      deliver(answered);
    }
    // FCM's message ids: "0:" and a time in microseconds, "%" and a hash of the app (here of the project).
    String appHash = holder == null ? "" : String.format("%08x%08x", holder.projectId().hashCode(), holder.clientEmail().hashCode());
    String name = answered.validateOnly() ? "fake_message_id"
        : "0:" + (clock.millis() * 1000 + ids.incrementAndGet() % 1000) + "%" + appHash;
    MockResponse.Builder success = new MockResponse.Builder().code(200)
        .setHeader("Content-Type", "application/json; charset=UTF-8")
        .body(JSONObjectUtils.toJSONString(Map.of("name", "projects/" + project + "/messages/" + name)));
    MockResponse rendered = FakeHttpServer.render(reply, success, FakeFcm::errorBody);
    if (request.getExchangeIndex() == 0 && "HTTP/2".equals(request.getVersion())) {
      // As FCM's front end: a bounded number of streams per connection; more requests open more connections.
      return FakeHttpServer.withMaxConcurrentStreams(rendered, maxConcurrentStreams);
    }
    return rendered;
  }

  private Reply decide(FcmRequest request) {
    String target = request.target();
    Reply reply = target == null ? null : byTarget.get(target);
    if (reply == null) {
      reply = next.poll();
    }
    if (reply == null) {
      reply = script.apply(request);
    }
    return reply == null ? Reply.accept() : reply;
  }

  private void deliver(FcmRequest request) {
    String target = request.target();
    synchronized (offline) {
      OfflineStore<FcmRequest> store = offline.get(target);
      if (store != null) {
        Map<String, Object> android = request.object("android");
        store.store(request, android == null ? null : (String) android.get("collapse_key"));
        return;
      }
    }
    onDelivery.accept(request);
  }

  /** FCM's body for a status of a scripted reply that gave none. */
  private static MockResponse.Builder errorBody(int status) {
    FcmError error = FcmError.forStatus(status);
    MockResponse.Builder b = new MockResponse.Builder();
    if (error != null) {
      Reply r = error.reply();
      return b.setHeader("Content-Type", r.contentType()).body(r.body());
    }
    if (status >= 500) {
      // Google's front end, not FCM, answers these, with a page.
      return b.setHeader("Content-Type", "text/html; charset=UTF-8")
          .body("<html><title>Error " + status + " (Server Error)!!1</title></html>");
    }
    if (status / 100 == 2) {
      return b.setHeader("Content-Type", "application/json; charset=UTF-8").body("{}");
    }
    return b.setHeader("Content-Type", "application/json; charset=UTF-8")
        .body(FcmError.status(status, "UNKNOWN", "Unknown error.", List.of()));
  }

  private static Reply badRequest(String field, String description) {
    Map<String, Object> violation = new LinkedHashMap<>();
    violation.put("field", field);
    violation.put("description", description);
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("@type", "type.googleapis.com/google.rpc.BadRequest");
    detail.put("fieldViolations", List.of(violation));
    return Reply.status(400).withJson(FcmError.status(400, "INVALID_ARGUMENT", description, List.of(detail)));
  }

  /** The checks FCM's HTTP v1 API applies that a sender's mapping could trip; each problem starts with its field. */
  @SuppressWarnings("unchecked")
  static List<String> validate(Map<String, Object> root) {
    List<String> v = new ArrayList<>();
    for (String key : root.keySet()) {
      if (!key.equals("message") && !key.equals("validate_only")) {
        v.add(key + " is not a field of the request");
      }
    }
    if (root.containsKey("validate_only") && !(root.get("validate_only") instanceof Boolean)) {
      v.add("validate_only must be a boolean");
    }
    if (!(root.get("message") instanceof Map)) {
      v.add("message is required");
      return v;
    }
    Map<String, Object> m = (Map<String, Object>) root.get("message");
    long targets = m.keySet().stream().filter(TARGET_FIELDS::contains).count();
    if (targets != 1) {
      v.add("message.target must be exactly one of token, fid, topic, condition: " + targets);
    }
    for (String t : TARGET_FIELDS) {
      if (m.containsKey(t) && !(m.get(t) instanceof String s && !s.isEmpty())) {
        v.add("message." + t + " must be a non-empty string");
      }
    }
    stringMap(v, m, "data", "message.data");
    if (m.get("data") instanceof Map<?, ?> data) {
      long bytes = 0;
      for (Map.Entry<?, ?> e : data.entrySet()) {
        String k = String.valueOf(e.getKey());
        String lower = k.toLowerCase(Locale.ROOT);
        if (lower.equals("from") || lower.equals("message_type") || lower.startsWith("google") || lower.startsWith("gcm")) {
          v.add("message.data." + k + " is a reserved key");
        }
        bytes += k.getBytes(StandardCharsets.UTF_8).length + String.valueOf(e.getValue()).getBytes(StandardCharsets.UTF_8).length;
      }
      if (bytes > DATA_LIMIT) {
        v.add("data is " + bytes + " bytes, over FCM's " + DATA_LIMIT);
      }
    }
    if (m.get("notification") instanceof Map<?, ?> n) {
      for (Object k : n.keySet()) {
        if (!Set.of("title", "body", "image").contains(k) || !(n.get(k) instanceof String)) {
          v.add("message.notification." + k + " is not a string field of Notification");
        }
      }
    } else if (m.containsKey("notification")) {
      v.add("message.notification must be an object");
    }
    if (m.get("android") instanceof Map<?, ?> a) {
      if (a.containsKey("ttl") && !(a.get("ttl") instanceof String s && TTL.matcher(s).matches())) {
        v.add("message.android.ttl must be a duration in seconds ending with 's'");
      }
      if (a.containsKey("priority") && !Set.of("high", "normal").contains(a.get("priority"))) {
        v.add("message.android.priority must be high or normal");
      }
      if (a.containsKey("collapse_key") && !(a.get("collapse_key") instanceof String)) {
        v.add("message.android.collapse_key must be a string");
      }
      if (a.get("notification") instanceof Map<?, ?> an && an.containsKey("tag") && !(an.get("tag") instanceof String)) {
        v.add("message.android.notification.tag must be a string");
      }
    }
    if (m.get("apns") instanceof Map<?, ?> apns) {
      stringMap(v, (Map<String, Object>) apns, "headers", "message.apns.headers");
      if (apns.get("headers") instanceof Map<?, ?> h) {
        if (h.containsKey("apns-priority") && !Set.of("5", "10").contains(h.get("apns-priority"))) {
          v.add("message.apns.headers.apns-priority must be 5 or 10");
        }
        if (h.get("apns-collapse-id") instanceof String id && id.getBytes(StandardCharsets.UTF_8).length > 64) {
          v.add("message.apns.headers.apns-collapse-id must be at most 64 bytes");
        }
        if (!m.containsKey("notification") && "10".equals(h.get("apns-priority"))) {
          v.add("message.apns.headers.apns-priority must be 5 on a data-only message");
        }
      }
    }
    if (m.get("webpush") instanceof Map<?, ?> w) {
      stringMap(v, (Map<String, Object>) w, "headers", "message.webpush.headers");
      if (w.get("fcm_options") instanceof Map<?, ?> o && o.get("link") instanceof String link && !link.startsWith("https://")) {
        v.add("message.webpush.fcm_options.link must be https");
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
      v.add(path + " must be a map of strings");
      return;
    }
    map.forEach((k, val) -> {
      if (!(val instanceof String)) {
        v.add(path + "." + k + " must be a string");
      }
    });
  }

  /** Settings of a {@link FakeFcm}; each has a default. Not thread-safe. */
  public static final class Builder {
    private final List<TestServiceAccount> accounts = new ArrayList<>();
    private Clock clock = Clock.systemUTC();
    private boolean http2PriorKnowledge;
    private SelfSignedTls tls;
    private Duration accessTokenLifetime = Duration.ofSeconds(3599);
    private int maxConcurrentStreams = 100;
    private int history = 10_000;

    private Builder() {}

    /**
     * Adds an account whose assertions are accepted; call it once for each account (of several
     * Firebase projects, or several keys of one). The first added is {@link FakeFcm#serviceAccount()};
     * default one {@link TestServiceAccount#generate() generated} account.
     *
     * @throws IllegalArgumentException when an account with the same client email and key id was added already
     */
    public Builder serviceAccount(TestServiceAccount account) {
      add(accounts, Objects.requireNonNull(account, "account"));
      return this;
    }

    static void add(List<TestServiceAccount> accounts, TestServiceAccount account) {
      for (TestServiceAccount a : accounts) {
        if (a.clientEmail().equals(account.clientEmail()) && a.privateKeyId().equals(account.privateKeyId())) {
          throw new IllegalArgumentException("an account " + account.clientEmail() + " with key id "
              + account.privateKeyId() + " is known already");
        }
      }
      accounts.add(account);
    }

    /** The clock that judges the assertions' {@code iat} and {@code exp} and stamps requests; default the system's. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * FCM over cleartext HTTP/2 with prior knowledge ({@code FcmTransport.Builder.http2PriorKnowledge}); default
     * false (HTTP/1.1). The token endpoint stays HTTP/1.1.
     */
    public Builder http2PriorKnowledge(boolean on) {
      this.http2PriorKnowledge = on;
      return this;
    }

    /** Both endpoints over TLS with this certificate, HTTP/2 or HTTP/1.1 chosen by ALPN; default plain http. */
    public Builder tls(SelfSignedTls tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * The {@code expires_in} of issued tokens; default 3599 s, as Google answers.
     *
     * @throws IllegalArgumentException when not positive
     */
    public Builder accessTokenLifetime(Duration lifetime) {
      if (lifetime.isNegative() || lifetime.isZero()) {
        throw new IllegalArgumentException("accessTokenLifetime must be > 0: " + lifetime);
      }
      this.accessTokenLifetime = lifetime;
      return this;
    }

    /**
     * {@code SETTINGS_MAX_CONCURRENT_STREAMS} announced on each HTTP/2 connection with its first answer; default 100.
     *
     * @throws IllegalArgumentException when below 1
     */
    public Builder maxConcurrentStreams(int streams) {
      if (streams < 1) {
        throw new IllegalArgumentException("maxConcurrentStreams must be >= 1: " + streams);
      }
      this.maxConcurrentStreams = streams;
      return this;
    }

    /**
     * How many requests of each kind {@link #requests()} and {@link #tokenRequests()} keep (the
     * counts count all); default 10,000. 0 keeps none, for long runs.
     *
     * @throws IllegalArgumentException when negative
     */
    public Builder history(int requests) {
      if (requests < 0) {
        throw new IllegalArgumentException("history must be >= 0: " + requests);
      }
      this.history = requests;
      return this;
    }

    /**
     * Starts the fake.
     *
     * @throws IllegalStateException when both TLS and prior knowledge are asked for (over TLS, ALPN chooses HTTP/2)
     */
    public FakeFcm build() {
      if (tls != null && http2PriorKnowledge) {
        throw new IllegalStateException("tls and http2PriorKnowledge exclude each other: over TLS, ALPN chooses HTTP/2");
      }
      return new FakeFcm(this);
    }
  }
}
