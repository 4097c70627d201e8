package dev.herald.fcm;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.Channel;
import dev.herald.CollapseKeys;
import dev.herald.Content;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Scope;
import dev.herald.fcm.internal.AccessToken;
import dev.herald.fcm.internal.AddressGuard;
import dev.herald.fcm.internal.FcmErrorBody;
import dev.herald.fcm.internal.MessageMapper;
import dev.herald.fcm.internal.MessageTarget;
import dev.herald.fcm.internal.ResponseClassifier;
import dev.herald.fcm.internal.RetryAfter;
import dev.herald.fcm.internal.ServiceAccountTokenSource;
import dev.herald.fcm.internal.StaleConnection;
import dev.herald.fcm.internal.TokenException;
import dev.herald.internal.Checks;
import dev.herald.internal.Redact;
import dev.herald.internal.RetryAfterHeader;
import dev.herald.internal.SendNotStartedException;
import dev.herald.spi.SendDeadline;
import dev.herald.spi.Transport;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends deliveries through Firebase Cloud Messaging's HTTP v1 API: one
 * {@code POST /v1/projects/{project}/messages:send} per message, multiplexed over HTTP/2, with an
 * OAuth2 access token obtained from a {@link ServiceAccount} and refreshed in the background.
 *
 * <pre>{@code
 * FcmTransport fcm = FcmTransport.builder()
 *     .serviceAccount(ServiceAccount.fromFile(Path.of("firebase-sa.json")))
 *     .build();
 * Herald herald = Herald.builder()...transport(fcm).build();
 * }</pre>
 *
 * <p><b>Targets.</b> {@link DeviceTarget.FcmInstallation} becomes {@code message.fid} (the device
 * target Google recommends), {@link DeviceTarget.FcmToken} becomes {@code message.token}. Topic and
 * condition broadcasts have no device to track, so they do not go through the outbox engine:
 * {@link #sendToTopic} and {@link #sendToCondition} send them directly and report the same
 * {@link Outcome}s.
 *
 * <p><b>Collapse.</b> The display tag ({@code android.notification.tag}, {@code apns-collapse-id},
 * {@code webpush.notification.tag}) replaces a notification on screen; {@code android.collapse_key}
 * and {@code webpush.headers.Topic}, with which FCM keeps only four collapse keys per offline
 * device, are sent only for a collapse key the host named. {@code data.herald_id} carries the
 * notification id (see {@link CollapseKeys}).
 *
 * <p><b>Leases and the network.</b> The engine claims no more FCM deliveries than {@code maxInFlight}
 * ({@link #maxConcurrentSends()}), and each send carries its claim's deadline, checked when the
 * request to FCM leaves OkHttp's queue: a send that could not finish before it is
 * {@link Outcome.NotSent}, never sent late. Neither client follows redirects (they would re-post
 * a credential to another origin); a redirect from FCM is {@link Outcome.ChannelUnavailable}.
 *
 * <p><b>Outcomes.</b> {@link #send} never throws for a bad delivery and never completes
 * exceptionally: content FCM would refuse (reserved data keys, a message over 4096 bytes) is
 * {@link Outcome.Rejected} before anything is sent; a token endpoint that does not deliver is
 * {@link Outcome.ChannelUnavailable}, which pauses the delivery's scope and keeps the message; FCM's answers
 * are classified from the structured error details (see {@code ResponseClassifier}); an I/O failure
 * is {@link Outcome.Retry}. A 401 with a token FCM no longer accepts refreshes the token once and
 * sends once more.
 *
 * <p><b>Several service accounts.</b> A host with several apps in different Firebase projects (a
 * customer app and a staff app, say) names one service account per project; a device records the
 * name of the one its app belongs to ({@code new DeviceTarget.FcmToken(token).withServiceAccount("staff")},
 * null for the {@linkplain Builder#defaultServiceAccount default}) and its deliveries are sent to
 * that project with that account's token. Broadcasts ({@link #sendToTopic}, {@link #sendToCondition})
 * use the default account.
 *
 * <p><b>Scopes.</b> A device's {@link Scope} is its service account's name and, where the app
 * reported it, its platform ({@code staff/ios}): broken credentials of one project, or broken APNs
 * credentials inside one project ({@code THIRD_PARTY_AUTH_ERROR}, which fails its iOS devices only),
 * pause that scope alone while every other project and platform keeps sending.
 *
 * <pre>{@code
 * FcmTransport fcm = FcmTransport.builder()
 *     .serviceAccount("customer", ServiceAccount.fromFile(Path.of("customer-app-sa.json")))
 *     .serviceAccount("staff", ServiceAccount.fromFile(Path.of("staff-app-sa.json")))
 *     .defaultServiceAccount("customer")
 *     .build();
 * }</pre>
 *
 * <p>Thread-safe. The returned stages complete on the transport's I/O threads: dependent stages
 * should not block. {@link #close()} releases threads and connections; it is idempotent, and
 * sending after it throws {@link IllegalStateException}.
 */
public final class FcmTransport implements Transport {
  /** FCM's production endpoint. */
  public static final String DEFAULT_BASE_URL = "https://fcm.googleapis.com";
  /** Default bound on concurrent requests: FCM allows about 100 concurrent streams per connection. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 100;
  /** Default limit on one request, from enqueue to the end of the response. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9\\-_.~%]{1,900}");
  private static final int MAX_CONDITION_LENGTH = 1024;
  private static final int MAX_RESPONSE_BODY = 64 * 1024;
  private static final Logger log = LoggerFactory.getLogger(FcmTransport.class);
  /** The name {@link Builder#serviceAccount(ServiceAccount)} gives its account. */
  public static final String DEFAULT_ACCOUNT_NAME = "default";

  /** One named service account: its project's send URL and its own access tokens. */
  private record Project(String name, ServiceAccount account, HttpUrl sendUrl, HttpUrl tokenUrl,
      ServiceAccountTokenSource tokens) {}

  private final Map<String, Project> projects;
  private final Project defaultProject;
  private final boolean validateOnly;
  private final int maxInFlight;
  private final Duration requestTimeout;
  private final boolean priorKnowledge;
  private final Clock clock;
  private final OkHttpClient http;
  // Same settings and dispatcher, no pooling: a resend after a stale pooled connection gets a new one.
  private final OkHttpClient freshConnections;
  private final long requestTimeoutNanos;
  private final AtomicLong staleResends = new AtomicLong();
  private final ExecutorService executor;
  private final boolean ownsConnectionPool;
  private final AtomicBoolean closed = new AtomicBoolean();

  private FcmTransport(Builder b, String defaultName) {
    this.validateOnly = b.validateOnly;
    this.maxInFlight = b.maxInFlight;
    this.requestTimeout = b.requestTimeout;
    this.priorKnowledge = b.http2PriorKnowledge;
    this.clock = b.clock;
    this.ownsConnectionPool = b.okHttpClient == null;

    AtomicInteger threads = new AtomicInteger();
    // OkHttp's default dispatcher threads are not daemons and would keep a JVM alive for a minute.
    this.executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, "herald-fcm-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    OkHttpClient base = b.okHttpClient != null ? b.okHttpClient : new OkHttpClient.Builder().connectionPool(new ConnectionPool()).build();
    // Both clients carry credentials (the signed assertion, the access token): they never follow a
    // redirect, which would re-post them to another origin, and never connect to the unspecified
    // address or (unless allowed) a private network, whatever a host name resolves to.
    OkHttpClient guarded = base.newBuilder()
        .dns(new AddressGuard(base.dns(), b.allowPrivateNetworks))
        .followRedirects(false)
        .followSslRedirects(false)
        .addNetworkInterceptor(chain -> {
          Response response = chain.proceed(chain.request());
          String safe = RetryAfterHeader.replacementForHttpClient(response.header("Retry-After"));
          return safe == null ? response : response.newBuilder().header("Retry-After", safe).build();
        })
        // The request timeout bounds the whole call; OkHttp's own 10 s read timeout would otherwise
        // fail an answer that FCM gives after 10 s but within it.
        .callTimeout(b.requestTimeout)
        .readTimeout(b.requestTimeout)
        .writeTimeout(b.requestTimeout)
        .build();

    Dispatcher sendDispatcher = new Dispatcher(executor);
    sendDispatcher.setMaxRequests(maxInFlight);
    sendDispatcher.setMaxRequestsPerHost(maxInFlight);
    this.http = guarded.newBuilder()
        .dispatcher(sendDispatcher)
        .protocols(priorKnowledge ? List.of(Protocol.H2_PRIOR_KNOWLEDGE) : List.of(Protocol.HTTP_2, Protocol.HTTP_1_1))
        // Runs when the call leaves the dispatcher's queue (after any wait for a token, too).
        .addInterceptor(chain -> {
          SendDeadline deadline = chain.request().tag(SendDeadline.class);
          String late = deadline == null ? null : deadline.refusal(requestTimeout);
          if (late != null) {
            throw new SendNotStartedException(late);
          }
          return chain.proceed(chain.request());
        })
        .build();
    this.freshConnections = http.newBuilder().connectionPool(new ConnectionPool(0, 1, TimeUnit.SECONDS)).build();
    this.requestTimeoutNanos = b.requestTimeout.toNanos();
    // The token endpoint gets its own dispatcher so that a full send window never delays a refresh.
    OkHttpClient tokenHttp = guarded.newBuilder()
        .dispatcher(new Dispatcher(executor))
        .protocols(List.of(Protocol.HTTP_2, Protocol.HTTP_1_1))
        .build();
    Map<String, Project> all = new LinkedHashMap<>();
    b.serviceAccounts.forEach((name, account) -> {
      HttpUrl sendUrl = HttpUrl.get(b.baseUrl.toString()).newBuilder()
          .addPathSegment("v1").addPathSegment("projects").addPathSegment(account.projectId())
          .addPathSegment("messages:send").build();
      HttpUrl tokenUrl = HttpUrl.get((b.tokenUri != null ? b.tokenUri : account.tokenUri()).toString());
      all.put(name, new Project(name, account, sendUrl, tokenUrl,
          new ServiceAccountTokenSource(account, tokenUrl, tokenHttp, clock, executor)));
    });
    this.projects = Collections.unmodifiableMap(all);
    this.defaultProject = all.get(defaultName);
    for (Project p : all.values()) {
      log.info("FCM transport, service account '{}'{} for project {} as {}: send {} ({}), token {}, maxInFlight {}, "
              + "validateOnly {}", p.name(), p == defaultProject && all.size() > 1 ? " (default)" : "",
          p.account().projectId(), p.account().clientEmail(), Redact.withoutCredentials(p.sendUrl().toString()),
          priorKnowledge ? "h2c prior knowledge" : "h2 via ALPN or http/1.1",
          Redact.withoutCredentials(p.tokenUrl().toString()), maxInFlight, validateOnly);
    }
  }

  /** Starts a builder; {@link Builder#serviceAccount} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** {@link Channel#FCM}. */
  @Override
  public Channel channel() {
    return Channel.FCM;
  }

  /**
   * Accepts FCM installation ids and registration tokens whose service account, if they name one, is
   * one of this transport's.
   *
   * @throws InvalidInputException for any other kind of target (field {@code target}) or an unknown
   *     service account (field {@code serviceAccount})
   */
  @Override
  public void validate(DeviceTarget target) {
    Objects.requireNonNull(target, "target");
    if (MessageTarget.of(target) == null) {
      throw new InvalidInputException("FCM target", List.of(new InvalidInputException.Problem("target",
          "must be an FCM installation id or registration token: " + target.kind())));
    }
    if (target.credential() != null && !projects.containsKey(target.credential())) {
      throw new InvalidInputException("FCM target", List.of(new InvalidInputException.Problem("serviceAccount",
          "must name one of this transport's service accounts " + projects.keySet() + ": "
              + Redact.quote(target.credential(), 70))));
    }
  }

  /**
   * The name of the device's service account (its app's Firebase project) and, where the device's
   * platform is known, the platform: {@code customer}, {@code staff/ios}. The sends that one
   * project's credentials, or one platform's path through FCM (APNs for iOS), make succeed or fail
   * together.
   */
  @Override
  public Scope scope(DeviceTarget target) {
    DeviceTarget.Platform platform = target instanceof DeviceTarget.FcmToken t ? t.platform()
        : target instanceof DeviceTarget.FcmInstallation i ? i.platform() : null;
    String account = target.credential() != null ? target.credential() : defaultProject.name();
    return Scope.of(Channel.FCM, platform == null ? account : account + "/" + platform.code());
  }

  /**
   * Checks the notification's content before it is stored (the engine's
   * {@link dev.herald.spi.InputValidator} calls this on enqueue): the rules of
   * {@link #validateContent}, with the message sized with the notification's own options.
   *
   * @throws InvalidInputException naming each problem
   */
  @Override
  public void validate(dev.herald.Notification notification) {
    Objects.requireNonNull(notification, "notification");
    Checks c = Checks.of("");
    MessageMapper.checkContent(c, notification.content());
    if (c.ok()) {
      // Sized with the notification's own options: the engine only ever shortens them.
      MessageMapper.checkSize(c, notification.content(), MessageMapper.encode(null, notification.content(),
          notification.options(), notification.collapseKey(), CollapseKeys.fromIdempotencyKey(notification.idempotencyKey()),
          false, clock.instant()));
    }
    c.throwIfInvalid("FCM content");
  }

  /**
   * Checks content against FCM's own rules, beyond what {@link Content} checks: no data key reserved
   * by FCM ({@code from}, {@code message_type}, anything starting with {@code google} or {@code gcm},
   * ignoring case), at most 4096 bytes of data, and the whole message within FCM's 4096-byte limit,
   * counted conservatively as the JSON Herald sends (every field, the notification id and tags
   * included; only the device address left out) with the largest options any notification can
   * have. FCM answers a message it finds too big with the same error as an invalid token, so
   * nothing it could call too big may be sent. Call it where notifications are created to refuse
   * them early; {@link #send} checks the message it sends and reports {@link Outcome.Rejected}.
   *
   * @throws InvalidInputException naming each problem ({@code content.data.<key>}, {@code content.data},
   *     {@code content})
   */
  public static void validateContent(Content content) {
    Objects.requireNonNull(content, "content");
    Checks c = Checks.of("");
    MessageMapper.checkContentForAnyOptions(c, content);
    c.throwIfInvalid("FCM content");
  }

  /**
   * Sends one delivery to its device without a deadline; see {@link #send(Delivery, SendDeadline)}.
   *
   * @throws IllegalStateException when the transport is closed
   */
  @Override
  public CompletionStage<Outcome> send(Delivery delivery) {
    return send(delivery, SendDeadline.none());
  }

  /**
   * Sends one delivery to its device. The stage always completes normally with one outcome. When
   * the request to FCM is about to leave (after OkHttp's queue and any wait for an access token),
   * less than the request timeout left before {@code deadline} makes it {@link Outcome.NotSent}.
   *
   * @throws IllegalStateException when the transport is closed
   */
  @Override
  public CompletionStage<Outcome> send(Delivery delivery, SendDeadline deadline) {
    ensureOpen();
    Objects.requireNonNull(deadline, "deadline");
    String late = deadline.refusal(requestTimeout);
    if (late != null) {
      return CompletableFuture.completedFuture(new Outcome.NotSent(late));
    }
    try {
      MessageTarget target = MessageTarget.of(delivery.target());
      Checks c = Checks.of("");
      if (target == null) {
        c.add("target", "must be an FCM installation id or registration token: " + delivery.target().kind());
      }
      String accountName = delivery.target().credential();
      Project project = accountName == null ? defaultProject : projects.get(accountName);
      // An account removed from the configuration: its devices cannot be sent to until the host
      // configures it again or the app registers them anew.
      c.check(project != null, "serviceAccount", "the device was registered under the service account "
          + Redact.quote(accountName, 70) + ", which this transport does not have " + projects.keySet());
      MessageMapper.checkContent(c, delivery.content());
      MessageMapper.checkCollapseKey(c, delivery.collapseKey());
      MessageMapper.Encoded encoded = null;
      if (c.ok()) {
        encoded = MessageMapper.encode(target, delivery.content(), delivery.options(), delivery.collapseKey(),
            delivery.notificationId(), validateOnly, clock.instant());
        MessageMapper.checkSize(c, delivery.content(), encoded);
      }
      if (!c.ok()) {
        return CompletableFuture.completedFuture(new Outcome.Rejected(null, "not sent: " + problems(c)));
      }
      return dispatch(project, oneShot(encoded.body()), true, deadline);
    } catch (RuntimeException e) {
      // A bug here must not look like a provider's verdict: retry, and say so in the log.
      log.error("FCM send of delivery {} failed before the request", delivery.deliveryId(), e);
      return CompletableFuture.completedFuture(Outcome.retry(null, "not sent: " + e.getClass().getSimpleName()));
    }
  }

  /**
   * Sends one message to every device subscribed to an FCM topic. Broadcasts bypass the outbox:
   * retry a {@link Outcome.Retry} yourself with the same idempotency key, whose derived display tag
   * makes a repeat replace the first copy on the screens of devices that got both.
   *
   * @param topic the topic name without {@code /topics/}, 1-900 of {@code [a-zA-Z0-9-_.~%]}
   * @param idempotencyKey identifies the notification; the notification id and (unless
   *     {@code options} names a collapse key) the display tag are derived from it
   * @throws InvalidInputException naming every invalid argument
   * @throws IllegalStateException when the transport is closed
   */
  public CompletionStage<Outcome> sendToTopic(String topic, String idempotencyKey, Content content, DeliveryOptions options) {
    Checks c = Checks.of("");
    if (c.required(topic, "topic")) {
      if (topic.startsWith("/topics/")) {
        c.add("topic", "must be the bare name, without /topics/: " + Redact.quote(topic, 60));
      } else {
        c.check(TOPIC.matcher(topic).matches(), "topic", "must be 1-900 of [a-zA-Z0-9-_.~%]: " + Redact.quote(topic, 60));
      }
    }
    return broadcast(c, MessageTarget.topic(topic), idempotencyKey, content, options);
  }

  /**
   * Sends one message to the devices matching an FCM condition such as
   * {@code "'stock' in topics && ('news' in topics || 'sports' in topics)"}; see
   * {@link #sendToTopic} for retries and collapse keys. FCM checks the expression itself (at most five
   * topics) and answers {@link Outcome.Rejected} when it is invalid.
   *
   * @param condition the condition, 1-1024 printable characters
   * @throws InvalidInputException naming every invalid argument
   * @throws IllegalStateException when the transport is closed
   */
  public CompletionStage<Outcome> sendToCondition(String condition, String idempotencyKey, Content content,
      DeliveryOptions options) {
    Checks c = Checks.of("");
    if (c.required(condition, "condition")) {
      c.check(!condition.isBlank() && condition.length() <= MAX_CONDITION_LENGTH && Checks.printable(condition),
          "condition", "must be 1-" + MAX_CONDITION_LENGTH + " printable characters: " + Redact.quote(condition, 60));
    }
    return broadcast(c, MessageTarget.condition(condition), idempotencyKey, content, options);
  }

  private CompletionStage<Outcome> broadcast(Checks c, MessageTarget target, String key, Content content,
      DeliveryOptions options) {
    ensureOpen();
    if (c.required(key, "idempotencyKey")) {
      c.check(!key.isEmpty() && key.length() <= Notification.MAX_KEY_LENGTH && Checks.printable(key), "idempotencyKey",
          "must be 1-" + Notification.MAX_KEY_LENGTH + " printable characters: length " + key.length());
    }
    c.required(options, "options");
    if (c.required(content, "content")) {
      MessageMapper.checkContent(c, content);
    }
    c.throwIfInvalid("FCM broadcast");
    MessageMapper.Encoded encoded = MessageMapper.encode(target, content, options, CollapseKeys.effective(key, options),
        CollapseKeys.fromIdempotencyKey(key), validateOnly, clock.instant());
    MessageMapper.checkSize(c, content, encoded);
    c.throwIfInvalid("FCM broadcast");
    return dispatch(defaultProject, oneShot(encoded.body()), false, SendDeadline.none());
  }

  /** Gets a token, then posts; whatever happens on the way, the stage completes normally. */
  private CompletableFuture<Outcome> dispatch(Project project, RequestBody body, boolean device, SendDeadline deadline) {
    CompletableFuture<Outcome> sent;
    try {
      sent = project.tokens().token()
          .handle((token, error) -> error != null
              ? CompletableFuture.completedFuture(tokenFailure(project, error))
              : post(project, body, token, device, true, deadline))
          .thenCompose(f -> f);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    return sent.handle((outcome, e) -> {
      if (outcome != null) {
        return outcome;
      }
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      log.error("FCM send failed unexpectedly", cause);
      return Outcome.retry(null, "not sent: " + (cause == null ? "no outcome" : cause.getClass().getSimpleName()));
    });
  }

  private CompletableFuture<Outcome> post(Project project, RequestBody body, AccessToken token, boolean device,
      boolean mayRenew, SendDeadline deadline) {
    CompletableFuture<Outcome> result = new CompletableFuture<>();
    Request request;
    try {
      request = new Request.Builder()
          .url(project.sendUrl())
          .header("Authorization", "Bearer " + token.value())
          .tag(SendDeadline.class, deadline)
          .post(body)
          .build();
    } catch (IllegalArgumentException e) {
      // The token endpoint handed out something that cannot be a header value.
      return CompletableFuture.completedFuture(new Outcome.ChannelUnavailable(null, "token",
          "the OAuth2 access token cannot be sent in a header"));
    }
    execute(project, http, request, body, token, device, mayRenew, deadline, System.nanoTime(), result);
    return result;
  }

  private void execute(Project project, OkHttpClient client, Request request, RequestBody body, AccessToken token,
      boolean device, boolean mayRenew, SendDeadline deadline, long startNanos, CompletableFuture<Outcome> result) {
    Call call = client.newCall(request);
    boolean firstTry = client == http;
    StaleConnection stale = firstTry ? StaleConnection.watch(call) : null;
    if (!firstTry) {
      // The new connection gets what is left of the first call's time, so a send never takes longer.
      call.timeout().timeout(Math.max(1, requestTimeoutNanos - (System.nanoTime() - startNanos)), TimeUnit.NANOSECONDS);
    }
    call.enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        if (e instanceof SendNotStartedException late) {
          result.complete(new Outcome.NotSent(late.getMessage()));
          return;
        }
        if (stale != null && !closed.get() && stale.safeToResend(call, e)) {
          staleResends.incrementAndGet();
          log.debug("FCM closed the pooled connection ({}); sending again at once on a new connection",
              e.getClass().getSimpleName());
          execute(project, freshConnections, request, body, token, device, mayRenew, deadline, startNanos, result);
          return;
        }
        result.complete(Outcome.retry(null, "I/O " + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : ": " + Redact.quote(e.getMessage(), 120))));
      }

      @Override
      public void onResponse(Call call, Response response) {
        try {
          handle(response);
        } catch (RuntimeException e) {
          log.error("FCM response could not be handled", e);
          result.complete(Outcome.retry(Integer.toString(response.code()), "FCM response could not be handled: "
              + e.getClass().getSimpleName()));
        }
      }

      private void handle(Response response) {
        int code;
        String text;
        String retryAfterHeader;
        try (response) {
          code = response.code();
          retryAfterHeader = response.header("Retry-After");
          text = response.peekBody(MAX_RESPONSE_BODY).string();
        } catch (IOException | RuntimeException e) {
          result.complete(Outcome.retry(null, "I/O reading the FCM response: " + e.getClass().getSimpleName()));
          return;
        }
        if (code == 200) {
          result.complete(new Outcome.Delivered(messageName(text)));
          return;
        }
        FcmErrorBody error = FcmErrorBody.parse(text);
        if (mayRenew && ResponseClassifier.accessTokenRejected(code, error)) {
          // FCM refused the token (revoked, expired early, clock skew): one refresh, one more try.
          project.tokens().renewAfterRejection(token)
              .handle((fresh, tokenError) -> tokenError != null
                  ? CompletableFuture.completedFuture(tokenFailure(project, tokenError))
                  : post(project, body, fresh, device, false, deadline))
              .thenCompose(f -> f)
              .whenComplete((outcome, e) -> result.complete(outcome != null ? outcome
                  : Outcome.retry(null, "retry after token refresh failed: " + e.getClass().getSimpleName())));
          return;
        }
        result.complete(ResponseClassifier.classify(code, error, RetryAfter.parse(retryAfterHeader, clock.instant()), device));
      }
    });
  }

  /**
   * A message body OkHttp may write only once: it would otherwise resend a POST by itself after an
   * I/O error, even once answer bytes had arrived, and FCM may have accepted it (a silent second
   * delivery). A resend after a stale pooled connection is the transport's own, and only that one.
   */
  private static RequestBody oneShot(byte[] bytes) {
    return new RequestBody() {
      @Override
      public MediaType contentType() {
        return JSON;
      }

      @Override
      public long contentLength() {
        return bytes.length;
      }

      @Override
      public boolean isOneShot() {
        return true;
      }

      @Override
      public void writeTo(okio.BufferedSink sink) throws IOException {
        sink.write(bytes);
      }
    };
  }

  private Outcome tokenFailure(Project project, Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    // With several accounts the reason says whose token failed; with one it reads as it always did.
    String whose = projects.size() > 1 ? "service account '" + project.name() + "': " : "";
    if (cause instanceof TokenException t) {
      return new Outcome.ChannelUnavailable(t.retryAfter(), t.rawCode(), whose + t.getMessage());
    }
    return new Outcome.ChannelUnavailable(null, null, whose + "OAuth2 token unavailable: " + cause.getClass().getSimpleName());
  }

  private static String messageName(String body) {
    try {
      Map<String, Object> doc = JSONObjectUtils.parse(body);
      return doc.get("name") instanceof String s ? s : null;
    } catch (Exception e) {
      return null; // accepted all the same; the id is only for the record
    }
  }

  private static String problems(Checks c) {
    return new InvalidInputException("delivery", c.problems()).getMessage();
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("FcmTransport is closed; build a new one to send again");
    }
  }

  /**
   * How many messages were sent again at once on a new connection because FCM had closed the pooled
   * one they were first written to (no attempt spent); for monitoring and tests.
   */
  public long staleConnectionResends() {
    return staleResends.get();
  }

  /** {@code maxInFlight}: the engine claims no more FCM deliveries than this transport sends at once. */
  @Override
  public int maxConcurrentSends() {
    return maxInFlight;
  }

  /** The request timeout: the longest one request to FCM takes once it has left the queue. */
  @Override
  public Duration sendTimeout() {
    return requestTimeout;
  }

  /** How many OAuth2 token requests this transport has made, for all its service accounts; for monitoring and tests. */
  public long tokenRefreshCount() {
    return projects.values().stream().mapToLong(p -> p.tokens().refreshCount()).sum();
  }

  /** The names of the service accounts, in the order they were given. */
  public List<String> serviceAccountNames() {
    return List.copyOf(projects.keySet());
  }

  /** The name of the default service account (see {@link Builder#defaultServiceAccount}). */
  public String defaultServiceAccount() {
    return defaultProject.name();
  }

  /** Stops the transport's threads and, unless the connections came with a caller's client, closes them. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    executor.shutdown();
    if (ownsConnectionPool) {
      http.connectionPool().evictAll();
    }
    log.info("FCM transport for {} closed", projectIds());
  }

  private String projectIds() {
    List<String> out = new ArrayList<>();
    projects.values().forEach(p -> out.add(projects.size() == 1 ? "project " + p.account().projectId()
        : p.name() + "=" + p.account().projectId()));
    return projects.size() == 1 ? out.get(0) : "projects " + out;
  }

  /** Shows the projects, the URLs and the limits; never a credential. */
  @Override
  public String toString() {
    Project d = defaultProject;
    String accounts = projects.size() == 1 ? "project=" + d.account().projectId()
        : "projects=" + projectIds().substring("projects ".length()) + ", default=" + d.name();
    return "FcmTransport[" + accounts + ", send=" + Redact.withoutCredentials(d.sendUrl().toString())
        + ", token=" + Redact.withoutCredentials(d.tokenUrl().toString())
        + ", maxInFlight=" + maxInFlight + ", validateOnly=" + validateOnly + (closed.get() ? ", closed" : "") + "]";
  }

  /**
   * Configures an {@link FcmTransport}. Setters reject bad single values at once
   * ({@link NullPointerException}, {@link IllegalArgumentException}); {@link #build()} rejects bad
   * combinations ({@link IllegalStateException}). Not thread-safe.
   */
  public static final class Builder {
    private final Map<String, ServiceAccount> serviceAccounts = new LinkedHashMap<>();
    private String defaultServiceAccount;
    private URI baseUrl = URI.create(DEFAULT_BASE_URL);
    private URI tokenUri;
    private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
    private boolean validateOnly;
    private boolean http2PriorKnowledge;
    private Clock clock = Clock.systemUTC();
    private OkHttpClient okHttpClient;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private boolean allowPrivateNetworks;

    private Builder() {}

    /**
     * The credentials and project to send for, named {@value #DEFAULT_ACCOUNT_NAME}: what a host with
     * one Firebase project calls. At least one service account is required.
     */
    public Builder serviceAccount(ServiceAccount serviceAccount) {
      return serviceAccount(DEFAULT_ACCOUNT_NAME, serviceAccount);
    }

    /**
     * A named service account (a later call with the same name replaces it): one per Firebase
     * project the host's apps are in. Devices registered under it record its name
     * ({@link DeviceTarget.FcmToken#withServiceAccount}) and are sent to its project with its
     * tokens; devices that name none use the {@linkplain #defaultServiceAccount default}.
     *
     * @param name 1 to {@value DeviceTarget#MAX_CREDENTIAL_NAME} of {@code [A-Za-z0-9_.-]}, starting
     *     with a letter or digit, such as {@code customer} or {@code staff}
     * @throws IllegalArgumentException for a name that is not such a name
     */
    public Builder serviceAccount(String name, ServiceAccount serviceAccount) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(serviceAccount, "serviceAccount");
      if (!DeviceTarget.validCredentialName(name)) {
        throw new IllegalArgumentException("serviceAccount name must be 1-" + DeviceTarget.MAX_CREDENTIAL_NAME
            + " of [A-Za-z0-9_.-] starting with a letter or digit: " + Redact.quote(name, 70));
      }
      serviceAccounts.put(name, serviceAccount);
      return this;
    }

    /**
     * The service account of devices that name none (those registered before a second account was
     * added). Default: the only one; required when there are several.
     */
    public Builder defaultServiceAccount(String name) {
      this.defaultServiceAccount = Objects.requireNonNull(name, "defaultServiceAccount");
      return this;
    }

    /**
     * FCM's base URL; default {@value #DEFAULT_BASE_URL}. Must be https, or http to a loopback host
     * (a local fake or emulator), because requests carry the access token.
     *
     * @throws IllegalArgumentException when it is neither
     */
    public Builder baseUrl(String baseUrl) {
      Objects.requireNonNull(baseUrl, "baseUrl");
      Checks c = Checks.of("");
      URI uri = ServiceAccount.checkSecureUrl(c, "baseUrl", baseUrl);
      if (uri == null) {
        throw new IllegalArgumentException("baseUrl must be an absolute https URL (http only to a loopback host): "
            + Redact.quote(baseUrl, 120));
      }
      this.baseUrl = uri;
      return this;
    }

    /**
     * The OAuth2 token endpoint of every service account; default each service account's
     * {@code token_uri}. Same rule as {@link #baseUrl}. The assertion's audience is this URL.
     *
     * @throws IllegalArgumentException when it is not https or loopback http
     */
    public Builder tokenUri(String tokenUri) {
      Objects.requireNonNull(tokenUri, "tokenUri");
      URI uri = ServiceAccount.checkSecureUrl(Checks.of(""), "tokenUri", tokenUri);
      if (uri == null) {
        throw new IllegalArgumentException("tokenUri must be an absolute https URL (http only to a loopback host): "
            + Redact.quote(tokenUri, 120));
      }
      this.tokenUri = uri;
      return this;
    }

    /**
     * Most requests on the wire at once; default {@value #DEFAULT_MAX_IN_FLIGHT}. More wait in
     * memory. Above the streams one connection allows (about 100 at FCM), OkHttp opens another
     * connection.
     *
     * @throws IllegalArgumentException when below 1
     */
    public Builder maxInFlight(int maxInFlight) {
      if (maxInFlight < 1) {
        throw new IllegalArgumentException("maxInFlight must be >= 1: " + maxInFlight);
      }
      this.maxInFlight = maxInFlight;
      return this;
    }

    /** Dry run: FCM validates each message and sends nothing ({@code "validate_only": true}); default false. */
    public Builder validateOnly(boolean validateOnly) {
      this.validateOnly = validateOnly;
      return this;
    }

    /**
     * Speak HTTP/2 without TLS to an {@code http://} base URL (h2c with prior knowledge, for local
     * servers and benchmarks); default false, which speaks HTTP/1.1 to {@code http://} and negotiates
     * HTTP/2 by ALPN over https. {@link #build()} refuses it with an https base URL.
     */
    public Builder http2PriorKnowledge(boolean http2PriorKnowledge) {
      this.http2PriorKnowledge = http2PriorKnowledge;
      return this;
    }

    /** The clock for token expiry, assertions and {@code apns-expiration}; default the system UTC clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * A client whose connection pool, proxy, TLS and event listener settings to share; default a
     * new one. The transport adds its own dispatcher, protocols and timeout to a copy; closing the
     * transport leaves this client's connections open.
     */
    public Builder okHttpClient(OkHttpClient okHttpClient) {
      this.okHttpClient = Objects.requireNonNull(okHttpClient, "okHttpClient");
      return this;
    }

    /**
     * Limit on one request from start to the end of its response; default 30 s. A timeout is
     * {@link Outcome.Retry}.
     *
     * @throws IllegalArgumentException when not positive
     */
    public Builder requestTimeout(Duration requestTimeout) {
      Objects.requireNonNull(requestTimeout, "requestTimeout");
      if (requestTimeout.isNegative() || requestTimeout.isZero()) {
        throw new IllegalArgumentException("requestTimeout must be > 0: " + requestTimeout);
      }
      this.requestTimeout = requestTimeout;
      return this;
    }

    /**
     * Allows the token endpoint and the base URL to be (or resolve to) private, link-local or
     * carrier-grade NAT addresses, such as an emulator inside a private network. Default false:
     * a {@code token_uri} in a pasted service account must not reach {@code 169.254.169.254} (the
     * cloud metadata service) or an internal host with the signed assertion. Loopback stays allowed
     * (local emulators and tests); the unspecified addresses ({@code 0.0.0.0/8}, {@code ::}) never are.
     */
    public Builder allowPrivateNetworks(boolean allow) {
      this.allowPrivateNetworks = allow;
      return this;
    }

    /**
     * Builds the transport. Nothing is sent until the first delivery.
     *
     * @throws IllegalStateException when no service account was given, the default account is not
     *     one of them (or not named while there are several), two names hold the same account, an
     *     account cannot sign its OAuth2 assertion, or prior knowledge was asked for with an https
     *     base URL; the message names the service account at fault
     * @throws InvalidInputException naming {@code token_uri} (with several accounts
     *     {@code serviceAccount[<name>].token_uri}), {@code tokenUri} or {@code baseUrl} when it is an
     *     address the transport may not contact (see {@link #allowPrivateNetworks})
     */
    public FcmTransport build() {
      if (serviceAccounts.isEmpty()) {
        throw new IllegalStateException("serviceAccount is required: load one with ServiceAccount.fromFile");
      }
      String defaultName = defaultServiceAccount;
      if (defaultName == null && serviceAccounts.size() > 1) {
        throw new IllegalStateException("defaultServiceAccount must be set when there are several service accounts "
            + serviceAccounts.keySet() + ": the account of the devices that name none (registered before the others were added)");
      }
      if (defaultName == null) {
        defaultName = serviceAccounts.keySet().iterator().next();
      } else if (!serviceAccounts.containsKey(defaultName)) {
        throw new IllegalStateException("defaultServiceAccount " + Redact.quote(defaultName, 70)
            + " is not one of the service accounts " + serviceAccounts.keySet());
      }
      Map<String, String> seen = new java.util.HashMap<>();
      for (Map.Entry<String, ServiceAccount> e : serviceAccounts.entrySet()) {
        String id = e.getValue().clientEmail() + " " + e.getValue().projectId();
        String other = seen.putIfAbsent(id, e.getKey());
        if (other != null) {
          // One account under two names splits its devices into two scopes for no reason; most often
          // the second file was meant to be another project's.
          throw new IllegalStateException("service accounts '" + other + "' and '" + e.getKey() + "' are the same account ("
              + e.getValue().clientEmail() + " for project " + e.getValue().projectId() + "): give each name its own");
        }
      }
      Checks c = Checks.of("");
      for (Map.Entry<String, ServiceAccount> e : serviceAccounts.entrySet()) {
        String prefix = serviceAccounts.size() > 1 && tokenUri == null ? "serviceAccount[" + e.getKey() + "]." : "";
        AddressGuard.checkLiteral(c, tokenUri != null ? "tokenUri" : prefix + "token_uri",
            (tokenUri != null ? tokenUri : e.getValue().tokenUri()).getHost(), allowPrivateNetworks);
        if (tokenUri != null) {
          break; // one endpoint for all: checked once
        }
      }
      AddressGuard.checkLiteral(c, "baseUrl", baseUrl.getHost(), allowPrivateNetworks);
      c.throwIfInvalid("FCM transport");
      if (http2PriorKnowledge && !"http".equalsIgnoreCase(baseUrl.getScheme())) {
        throw new IllegalStateException("http2PriorKnowledge needs an http:// base URL (https negotiates HTTP/2 by ALPN): "
            + baseUrl);
      }
      for (Map.Entry<String, ServiceAccount> e : serviceAccounts.entrySet()) {
        try {
          // Sign once now: an account whose key cannot sign fails here, by name, not at the first message.
          ServiceAccountTokenSource.verifySigns(e.getValue());
        } catch (RuntimeException ex) {
          throw new IllegalStateException("service account '" + e.getKey() + "' cannot sign its OAuth2 assertion: "
              + ex.getMessage(), ex);
        }
      }
      return new FcmTransport(this, defaultName);
    }
  }
}
