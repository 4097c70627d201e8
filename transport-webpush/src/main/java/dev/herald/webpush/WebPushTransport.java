package dev.herald.webpush;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.InvalidInputException.Problem;
import dev.herald.Outcome;
import dev.herald.Scope;
import dev.herald.internal.Checks;
import dev.herald.internal.Redact;
import dev.herald.internal.RetryAfterHeader;
import dev.herald.internal.SendNotStartedException;
import dev.herald.spi.SendDeadline;
import dev.herald.spi.Transport;
import dev.herald.webpush.internal.CredentialRefusals;
import dev.herald.webpush.internal.EcP256;
import dev.herald.webpush.internal.OneShotBody;
import dev.herald.webpush.internal.PolicyDns;
import dev.herald.webpush.internal.Responses;
import dev.herald.webpush.internal.StaleConnection;
import dev.herald.webpush.internal.VapidTokens;
import dev.herald.webpush.internal.WebPushCipher;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.bouncycastle.math.ec.ECPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Web Push {@link Transport}: encrypts each delivery for the subscriber (RFC 8291,
 * {@code aes128gcm}), authorises it with a cached VAPID token (RFC 8292) and POSTs it to the
 * subscription's push service (RFC 8030) over one shared OkHttp client, asynchronously, with a
 * bounded number of requests in flight.
 *
 * <p>The message is a JSON object of the delivery's content in a {@link PayloadFormat} (the
 * service-worker JSON by default, or Declarative Web Push): its {@code tag} is the display tag, so a
 * repeat of the same notification replaces the earlier one on screen, and its data carries the
 * notification id. {@code TTL} and {@code Urgency} come from the delivery's options; {@code Topic},
 * with which a push service keeps only the latest pending message (FCM, behind Chrome, keeps at most
 * four topics per offline browser), is sent only for a collapse key the host named (see
 * {@link dev.herald.CollapseKeys}).
 *
 * <p>Outcomes: 2xx is {@link Outcome.Delivered} (with the {@code Location} as provider id); 404 and
 * 410 {@link Outcome.TargetGone}; 400, 413, other 4xx and redirects {@link Outcome.Rejected} (with an
 * excerpt of the body); 401 and 403 {@link Outcome.ChannelUnavailable} (the VAPID credentials are
 * wrong, so the engine pauses the subscription's scope rather than burn messages), except for a subscription the
 * same push service refused before and that is refused again once the push service has accepted a
 * request we sent after that first refusal: that one was made with another application server key and is
 * {@link Outcome.Rejected}, so one stale subscription cannot keep its scope paused; 408, 429, 5xx, timeouts and I/O
 * errors {@link Outcome.Retry}, honouring {@code Retry-After}. A delivery the transport refuses before
 * sending (endpoint policy, payload over 3993 octets) is {@link Outcome.Rejected} with no raw code.
 *
 * <p>The engine claims no more Web Push deliveries than {@code maxInFlight} ({@link #maxConcurrentSends()})
 * and each send carries its claim's deadline, checked when the request leaves OkHttp's queue; a send
 * that could not finish before it is {@link Outcome.NotSent}, never sent late.
 *
 * <p><b>Several VAPID key pairs.</b> A browser subscribes with one application server key and the
 * push service accepts messages for that subscription only when they are signed with the same key.
 * A host with several key pairs (a key rotation, several sites) names each one; a subscription
 * records the name of the pair it was made with ({@link DeviceTarget.WebPushSubscription#vapidKey()},
 * null for the {@linkplain Builder#defaultVapidKey default}) and is always signed with that pair. A
 * rotation is therefore a new pair under a new name that new subscriptions are made with, while the
 * old subscriptions keep the old pair until their browsers subscribe again: no 403 at any point.
 *
 * <p><b>Scopes.</b> The {@link Scope} of a subscription is its push service's origin and its key
 * pair's name ({@code https://web.push.apple.com#2026}): what decides whether our token is accepted.
 * A 401/403 for our credentials pauses that scope alone, so a push service that refuses one key
 * holds back neither the other push services nor the subscriptions made with another key.
 *
 * <p>Thread-safe. {@link #close()} is idempotent; {@link #send} after close throws.
 *
 * <pre>{@code
 * WebPushTransport webPush = WebPushTransport.builder()
 *     .vapidKeys(VapidKeys.fromPem(Files.readString(Path.of("vapid.pem"))))
 *     .subject("mailto:push-ops@yourcompany.com")
 *     .build();
 *
 * // A rotation: subscriptions stored without a key name were made with the old pair.
 * WebPushTransport rotating = WebPushTransport.builder()
 *     .vapidKeys("2026", oldKeys)
 *     .vapidKeys("2027", newKeys)         // give browsers newKeys' public key and record "2027"
 *     .defaultVapidKey("2026")
 *     .subject("mailto:push-ops@yourcompany.com")
 *     .build();
 * }</pre>
 */
public final class WebPushTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger(WebPushTransport.class);
  private static final String SUBJECT = "web push delivery";
  private static final int BODY_EXCERPT_BYTES = 1024;
  /** The name {@link Builder#vapidKeys(VapidKeys)} gives its key pair. */
  public static final String DEFAULT_KEY_NAME = "default";

  private final Map<String, VapidKeys> vapidKeys;
  private final String defaultVapidKey;
  private final String subject;
  private final EndpointPolicy endpointPolicy;
  private final Padding padding;
  private final int maxInFlight;
  private final Duration callTimeout;
  private final Clock clock;
  private final Function<Delivery, byte[]> payloadEncoder;
  private final PayloadFormat payloadFormat;
  private final Predicate<DeviceTarget.WebPushSubscription> payloadFormatApplies;
  private final Map<String, VapidTokens> tokens;
  private final CredentialRefusals refusals = new CredentialRefusals();
  private final OkHttpClient client;
  // Same settings and dispatcher, no pooling: a resend after a stale pooled connection gets a new one.
  private final OkHttpClient freshConnections;
  private final long callTimeoutNanos;
  private final AtomicLong staleResends = new AtomicLong();
  private final ExecutorService ownExecutor;
  private final boolean ownClient;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final SecureRandom random = new SecureRandom();

  private WebPushTransport(Builder b, Map<String, VapidTokens> tokens, String defaultVapidKey) {
    this.vapidKeys = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.vapidKeys));
    this.defaultVapidKey = defaultVapidKey;
    this.subject = b.subject;
    this.endpointPolicy = b.endpointPolicy;
    this.padding = b.padding;
    this.maxInFlight = b.maxInFlight;
    this.callTimeout = b.callTimeout;
    this.clock = b.clock;
    this.payloadEncoder = b.payloadEncoder;
    this.payloadFormat = b.payloadFormat;
    this.payloadFormatApplies = b.payloadFormatApplies;
    this.tokens = tokens;

    OkHttpClient base;
    if (b.okHttpClient != null) {
      // Share the caller's connection pool and threads, but not its dispatcher limits or redirects.
      base = b.okHttpClient;
      this.ownExecutor = null;
      this.ownClient = false;
    } else {
      base = new OkHttpClient.Builder().connectionPool(new ConnectionPool()).build();
      this.ownExecutor = newExecutor();
      this.ownClient = true;
    }
    Dispatcher dispatcher = new Dispatcher(ownExecutor != null ? ownExecutor : base.dispatcher().executorService());
    dispatcher.setMaxRequests(maxInFlight);
    dispatcher.setMaxRequestsPerHost(maxInFlight);
    this.client = base.newBuilder()
        .dispatcher(dispatcher)
        .dns(new PolicyDns(base.dns(), endpointPolicy::allowsAddress))
        // Runs when the call leaves the dispatcher's queue: the claim's deadline is checked there.
        .addInterceptor(chain -> {
          SendDeadline deadline = chain.request().tag(SendDeadline.class);
          String late = deadline == null ? null : deadline.refusal(callTimeout);
          if (late != null) {
            throw new SendNotStartedException(late);
          }
          return chain.proceed(chain.request());
        })
        .addNetworkInterceptor(chain -> {
          Response response = chain.proceed(chain.request());
          String safe = RetryAfterHeader.replacementForHttpClient(response.header("Retry-After"));
          return safe == null ? response : response.newBuilder().header("Retry-After", safe).build();
        })
        .followRedirects(false)
        .followSslRedirects(false)
        .retryOnConnectionFailure(true)
        .connectTimeout(b.connectTimeout)
        .readTimeout(b.callTimeout)
        .writeTimeout(b.callTimeout)
        .callTimeout(b.callTimeout)
        .build();
    this.freshConnections = client.newBuilder().connectionPool(new ConnectionPool(0, 1, TimeUnit.SECONDS)).build();
    this.callTimeoutNanos = b.callTimeout.toNanos();
    LOG.info("Web Push transport: VAPID keys {}, subject {}, {}, {}, payload {}, maxInFlight {}, connectTimeout {}, "
            + "callTimeout {}, VAPID token lifetime {}, {} OkHttp client", keysForLog(),
        subject, endpointPolicy, padding, payloadEncoder != null ? "custom encoder"
            : payloadFormat + (payloadFormatApplies != null ? " for some subscriptions" : ""),
        maxInFlight, b.connectTimeout, b.callTimeout, b.vapidTokenLifetime, ownClient ? "own" : "shared");
  }

  /** A builder; {@link Builder#vapidKeys} and {@link Builder#subject} are required. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Channel channel() {
    return Channel.WEB_PUSH;
  }

  /**
   * Checks that the target is a Web Push subscription whose endpoint the endpoint policy allows; call
   * it when a browser registers. The structure (https URL, key on P-256, 16-byte auth) was already
   * checked when the {@link DeviceTarget.WebPushSubscription} was created.
   *
   * @throws InvalidInputException naming {@code target} or {@code endpoint}
   */
  @Override
  public void validate(DeviceTarget target) {
    Objects.requireNonNull(target, "target");
    if (!(target instanceof DeviceTarget.WebPushSubscription subscription)) {
      throw new InvalidInputException("web push subscription",
          List.of(new Problem("target", "must be a WebPushSubscription: " + target.kind())));
    }
    endpointPolicy.check(subscription.endpoint());
    if (subscription.vapidKey() != null && !vapidKeys.containsKey(subscription.vapidKey())) {
      throw new InvalidInputException("web push subscription", List.of(new Problem("vapidKey",
          "must name one of this transport's VAPID key pairs " + vapidKeys.keySet() + ": "
              + Redact.quote(subscription.vapidKey(), 70))));
    }
  }

  /**
   * The subscription's push service origin and the name of the VAPID key pair it was made with,
   * {@code <origin>#<key name>}: the sends that our credentials make succeed or fail together.
   */
  @Override
  public Scope scope(DeviceTarget target) {
    if (!(target instanceof DeviceTarget.WebPushSubscription s)) {
      return Scope.of(Channel.WEB_PUSH);
    }
    String key = keyName(s);
    String origin = s.origin();
    // An origin of a 250-character host and a long key name may not fit: the origin gives way.
    int room = Scope.MAX_NAME_LENGTH - 1 - key.length();
    return Scope.of(Channel.WEB_PUSH, (origin.length() > room ? origin.substring(0, room) : origin) + "#" + key);
  }

  /** The name of the key pair a subscription is signed with: its own, or the default. */
  private String keyName(DeviceTarget.WebPushSubscription s) {
    return s.vapidKey() != null ? s.vapidKey() : defaultVapidKey;
  }

  /**
   * Checks before it is stored that the notification's payload, as this transport would encode it,
   * fits one Web Push message (at most {@value dev.herald.webpush.internal.WebPushCipher#MAX_PLAINTEXT}
   * octets, RFC 8291 §4), that an explicit subscription's endpoint is allowed, and that a click URL
   * is https (or http where the endpoint policy allows http). For a recipient whose subscriptions are
   * not known yet, every payload format the transport may choose is sized.
   *
   * @throws InvalidInputException naming {@code payload}, {@code endpoint} or {@code content.clickUrl}
   */
  @Override
  public void validate(dev.herald.Notification notification) {
    Objects.requireNonNull(notification, "notification");
    DeviceTarget target = notification.recipient() instanceof dev.herald.Recipient.ToDevice td ? td.target() : SIZING_TARGET;
    if (notification.recipient() instanceof dev.herald.Recipient.ToDevice) {
      validate(target);
    }
    Delivery sample = new Delivery(0, notification.idempotencyKey(), 1, target, notification.content(),
        notification.options(), notification.collapseKey(), notification.expiresAt());
    java.net.URI click = notification.content().clickUrl();
    if (click != null && !"https".equalsIgnoreCase(click.getScheme()) && !endpointPolicy.allowHttp()) {
      throw new InvalidInputException("notification", List.of(new Problem("content.clickUrl",
          "must be an https URL (plain http is not allowed by the endpoint policy): " + Redact.quote(click.toString(), 80))));
    }
    int size = encode(sample).length;
    if (payloadFormatApplies != null && target == SIZING_TARGET) {
      // The recipient's subscriptions may get either format.
      size = Math.max(size, Math.max(payloadFormat.encode(sample).length, PayloadFormat.serviceWorker().encode(sample).length));
    }
    if (size > WebPushCipher.MAX_PLAINTEXT) {
      throw new InvalidInputException("notification", List.of(new Problem("payload", "must be at most "
          + WebPushCipher.MAX_PLAINTEXT + " octets once encoded for Web Push: " + size
          + " octets; shorten the content or move data behind a URL")));
    }
  }

  // Stands in for the not-yet-known device of a recipient-id notification when sizing its payload.
  private static final DeviceTarget.WebPushSubscription SIZING_TARGET = new DeviceTarget.WebPushSubscription(
      "https://fcm.googleapis.com/fcm/send/sizing",
      "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
      "BTBZMqHH6r4Tts7J_aSIgg");

  /**
   * Encrypts and sends one delivery without a deadline; see {@link #send(Delivery, SendDeadline)}.
   *
   * @throws IllegalStateException after {@link #close()}
   */
  @Override
  public CompletionStage<Outcome> send(Delivery delivery) {
    return send(delivery, SendDeadline.none());
  }

  /**
   * Encrypts and sends one delivery. Encryption (about 0.2 ms) runs on the calling thread; the
   * network part runs on OkHttp's threads, at most {@code maxInFlight} at a time. When the request
   * is about to leave (after OkHttp's queue), less than the call timeout left before
   * {@code deadline} makes it {@link Outcome.NotSent} instead.
   *
   * @throws IllegalStateException after {@link #close()}
   */
  @Override
  public CompletionStage<Outcome> send(Delivery delivery, SendDeadline deadline) {
    Objects.requireNonNull(delivery, "delivery");
    Objects.requireNonNull(deadline, "deadline");
    if (closed.get()) {
      throw new IllegalStateException("WebPushTransport is closed; build a new one to send again");
    }
    String late = deadline.refusal(callTimeout);
    if (late != null) {
      return CompletableFuture.completedFuture(new Outcome.NotSent(late));
    }
    Request request;
    try {
      request = prepareRequest(delivery).newBuilder().tag(SendDeadline.class, deadline).build();
    } catch (InvalidInputException e) {
      LOG.debug("Delivery {} refused before sending: {}", delivery.deliveryId(), e.getMessage());
      return CompletableFuture.completedFuture(Outcome.rejected(null, e.getMessage()));
    }
    CompletableFuture<Outcome> result = new CompletableFuture<>();
    execute(client, request, delivery, refusals.sending(), System.nanoTime(), result);
    return result;
  }

  private void execute(OkHttpClient http, Request request, Delivery delivery, long ticket, long startNanos,
      CompletableFuture<Outcome> result) {
    String audience = VapidTokens.origin(request.url());
    String keyName = request.tag(KeyName.class).name();
    // Acceptance proves a key works at a push service, and only for subscriptions made with that key.
    String scope = audience + "#" + keyName;
    String authorization = request.header("Authorization");
    Call call = http.newCall(request);
    boolean firstTry = http == client;
    StaleConnection stale = firstTry ? StaleConnection.watch(call) : null;
    if (!firstTry) {
      // The new connection gets what is left of the first call's time, so a send never takes longer.
      call.timeout().timeout(Math.max(1, callTimeoutNanos - (System.nanoTime() - startNanos)), TimeUnit.NANOSECONDS);
    }
    call.enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        // A send refused for its deadline never left: it is not a stale connection to retry.
        if (stale != null && !(e instanceof SendNotStartedException) && !closed.get() && stale.safeToResend(call, e)) {
          staleResends.incrementAndGet();
          LOG.debug("Delivery {} to {}: the push service had closed the pooled connection ({}); sending again at once "
              + "on a new connection", delivery.deliveryId(), audience, e.getClass().getSimpleName());
          execute(freshConnections, request, delivery, ticket, startNanos, result);
          return;
        }
        Outcome outcome = Responses.failure(e);
        LOG.debug("Delivery {} to {}: {}", delivery.deliveryId(), audience, outcome);
        result.complete(outcome);
      }

      @Override
      public void onResponse(Call call, Response response) {
        try (response) {
          String body = response.isSuccessful() ? "" : response.peekBody(BODY_EXCERPT_BYTES).string();
          Outcome outcome = Responses.classify(response.code(), response.header("Location"),
              response.header("Retry-After"), body, clock.instant());
          if (outcome instanceof Outcome.Delivered) {
            refusals.accepted(scope, ticket);
          }
          if (outcome instanceof Outcome.ChannelUnavailable
              && refusals.refusedThisSubscriptionOnly(scope, request.url().toString())) {
            outcome = Responses.refusedForThisSubscription(response.code(), body);
            LOG.info("Delivery {} to {}: {}", delivery.deliveryId(), audience, outcome);
          } else if (outcome instanceof Outcome.ChannelUnavailable) {
            // Sign afresh next time: the push service may have refused this token for its clock or claims.
            tokens.get(keyName).invalidate(audience, authorization);
            LOG.warn("Push service {} rejected the VAPID authorization of key pair '{}': {}", audience, keyName, outcome);
          } else {
            LOG.debug("Delivery {} to {}: {}", delivery.deliveryId(), audience, outcome);
          }
          result.complete(outcome);
        } catch (IOException | RuntimeException e) {
          result.complete(Outcome.retry(Integer.toString(response.code()), "could not read the push service's answer: "
              + e.getClass().getSimpleName()));
        }
      }
    });
  }

  /**
   * Builds, without sending, the request {@link #send} would make: the encrypted body and every
   * header ({@code TTL}, {@code Urgency}, {@code Topic} when the host named a collapse key,
   * {@code Content-Encoding}, {@code Content-Type}, {@code Authorization}). Useful for dry runs and
   * benchmarks. Each call encrypts with a fresh key pair and salt.
   *
   * @throws InvalidInputException naming {@code target}, {@code endpoint}, {@code vapidKey},
   *     {@code collapseKey} or {@code payload} when the delivery cannot be sent as it is
   */
  public Request prepareRequest(Delivery delivery) {
    if (!(delivery.target() instanceof DeviceTarget.WebPushSubscription subscription)) {
      throw new InvalidInputException(SUBJECT,
          List.of(new Problem("target", "must be a WebPushSubscription: " + delivery.target().kind())));
    }
    // Parsed once, by the same parser that checks the policy and that OkHttp sends with.
    HttpUrl url = HttpUrl.parse(subscription.endpoint());
    String policyProblem = endpointPolicy.problem(url, subscription.endpoint());
    Checks c = Checks.of("");
    c.check(policyProblem == null, "endpoint", policyProblem);
    String keyName = keyName(subscription);
    VapidTokens signer = tokens.get(keyName);
    // A pair removed from the configuration: its subscriptions can never be sent again (the push
    // service accepts only the key they were made with) until their browsers subscribe again.
    c.check(signer != null, "vapidKey", "the subscription was made with the VAPID key pair "
        + Redact.quote(keyName, 70) + ", which this transport does not have " + vapidKeys.keySet()
        + "; its browser must subscribe again");
    // Only a collapse key the host named becomes a Topic: a push service keeps one pending message per
    // Topic, and FCM only four Topics per offline browser, so a per-notification Topic would lose messages.
    String topic = delivery.pushServiceCollapseKey();
    if (topic != null) {
      c.check(!topic.isEmpty() && topic.length() <= 32 && Checks.base64Url(topic), "collapseKey",
          "must be 1-32 URL-safe base64 characters to be a Topic: " + Redact.quote(topic, 40));
    }
    c.throwIfInvalid(SUBJECT);

    byte[] payload = encode(delivery);
    if (payload.length > WebPushCipher.MAX_PLAINTEXT) {
      c.add("payload", "must be at most " + WebPushCipher.MAX_PLAINTEXT + " octets once encoded: " + payload.length
          + " octets; shorten the content or move data behind a URL");
      c.throwIfInvalid(SUBJECT);
    }
    // Buckets never exceed the limit and only pad payloads that fit them, so this cannot overflow.
    int pad = padding.paddingFor(payload.length);
    byte[] uaPublic = subscription.p256dhBytes();
    ECPoint uaPoint = EcP256.decodePoint(uaPublic);
    byte[] body = WebPushCipher.encrypt(payload, pad, uaPoint, uaPublic, subscription.authBytes(), random);

    Request.Builder request = new Request.Builder()
        .url(url)
        .header("TTL", Long.toString(delivery.options().timeToLive().getSeconds()))
        .header("Urgency", delivery.options().urgency().headerValue());
    if (topic != null) {
      request.header("Topic", topic);
    }
    return request
        .header("Content-Encoding", "aes128gcm")
        .header("Authorization", signer.authorization(VapidTokens.origin(url)))
        .tag(KeyName.class, new KeyName(keyName))
        .post(new OneShotBody(body))
        .build();
  }

  /** Which key pair signed a request, carried with it to its answer. */
  private record KeyName(String name) {}

  private byte[] encode(Delivery delivery) {
    if (payloadEncoder != null) {
      return payloadEncoder.apply(delivery);
    }
    boolean applies = payloadFormatApplies == null
        || (delivery.target() instanceof DeviceTarget.WebPushSubscription s && payloadFormatApplies.test(s));
    return (applies ? payloadFormat : PayloadFormat.serviceWorker()).encode(delivery);
  }

  /** {@code maxInFlight}: the engine claims no more Web Push deliveries than this transport sends at once. */
  @Override
  public int maxConcurrentSends() {
    return maxInFlight;
  }

  /** The call timeout: the longest one send takes once it has left the queue. */
  @Override
  public Duration sendTimeout() {
    return callTimeout;
  }

  /** The default VAPID key pair: the one subscriptions that name no key pair are signed with. */
  public VapidKeys vapidKeys() {
    return vapidKeys.get(defaultVapidKey);
  }

  /**
   * The VAPID key pair of that name.
   *
   * @throws IllegalArgumentException when this transport has no pair of that name
   */
  public VapidKeys vapidKeys(String name) {
    VapidKeys k = vapidKeys.get(Objects.requireNonNull(name, "name"));
    if (k == null) {
      throw new IllegalArgumentException("no VAPID key pair named " + Redact.quote(name, 70) + ": " + vapidKeys.keySet());
    }
    return k;
  }

  /** The names of the VAPID key pairs, in the order they were given. */
  public List<String> vapidKeyNames() {
    return List.copyOf(vapidKeys.keySet());
  }

  /** The name of the default VAPID key pair (see {@link Builder#defaultVapidKey}). */
  public String defaultVapidKey() {
    return defaultVapidKey;
  }

  /** The endpoint policy applied at registration and at every send. */
  public EndpointPolicy endpointPolicy() {
    return endpointPolicy;
  }

  /**
   * How many requests were sent again at once on a new connection because the push service had
   * closed the pooled one they were first written to (no attempt spent); for monitoring and tests.
   */
  public long staleConnectionResends() {
    return staleResends.get();
  }

  /** How many VAPID tokens were signed so far (one per push-service origin, key pair and refresh). */
  public long vapidTokensSigned() {
    return tokens.values().stream().mapToLong(VapidTokens::signedCount).sum();
  }

  /**
   * Stops accepting sends. Requests already running finish; queued ones complete as
   * {@link Outcome.Retry}. A shared client's connection pool and threads are left alone. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (ownExecutor != null) {
      ownExecutor.shutdown();
    }
    if (ownClient) {
      client.connectionPool().evictAll();
    }
  }

  @Override
  public String toString() {
    return "WebPushTransport[" + (vapidKeys.size() == 1 ? vapidKeys() : keysForLog()) + ", subject=" + subject + ", "
        + endpointPolicy + "]";
  }

  /** Each pair's name and the start of its public key, the default marked. */
  private String keysForLog() {
    List<String> out = new ArrayList<>();
    vapidKeys.forEach((name, k) -> out.add(name + (name.equals(defaultVapidKey) ? " (default)" : "") + "="
        + Redact.secret(k.publicKeyBase64Url())));
    return out.toString();
  }

  private static ExecutorService newExecutor() {
    AtomicInteger n = new AtomicInteger();
    // OkHttp's own default, but with named daemon threads so an unclosed transport never blocks JVM exit.
    return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, "herald-webpush-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Builds a {@link WebPushTransport}. Setters validate their argument; {@link #build()} checks the
   * combination. Not thread-safe.
   */
  public static final class Builder {
    private final Map<String, VapidKeys> vapidKeys = new LinkedHashMap<>();
    private String defaultVapidKey;
    private String subject;
    private EndpointPolicy endpointPolicy = EndpointPolicy.defaults();
    private Padding padding = Padding.none();
    private int maxInFlight = 64;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration callTimeout = Duration.ofSeconds(30);
    private Duration vapidTokenLifetime = Duration.ofHours(12);
    private OkHttpClient okHttpClient;
    private Clock clock = Clock.systemUTC();
    private Function<Delivery, byte[]> payloadEncoder;
    private PayloadFormat payloadFormat = PayloadFormat.serviceWorker();
    private boolean payloadFormatSet;
    private Predicate<DeviceTarget.WebPushSubscription> payloadFormatApplies;

    private Builder() {}

    /**
     * The application server's key pair, named {@value #DEFAULT_KEY_NAME}: what a host with one key
     * pair calls. At least one pair is required.
     */
    public Builder vapidKeys(VapidKeys keys) {
      return vapidKeys(DEFAULT_KEY_NAME, keys);
    }

    /**
     * A named key pair (a later call with the same name replaces it). Subscriptions made with it
     * record its name ({@link DeviceTarget.WebPushSubscription#withVapidKey}) and are always signed
     * with it; subscriptions that name none get the {@linkplain #defaultVapidKey default}.
     *
     * @param name 1 to {@value DeviceTarget#MAX_CREDENTIAL_NAME} of {@code [A-Za-z0-9_.-]}, starting
     *     with a letter or digit, such as {@code 2027} or {@code staff-site}
     * @throws IllegalArgumentException for a name that is not such a name
     */
    public Builder vapidKeys(String name, VapidKeys keys) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(keys, "vapidKeys");
      if (!DeviceTarget.validCredentialName(name)) {
        throw new IllegalArgumentException("vapidKeys name must be 1-" + DeviceTarget.MAX_CREDENTIAL_NAME
            + " of [A-Za-z0-9_.-] starting with a letter or digit: " + Redact.quote(name, 70));
      }
      vapidKeys.put(name, keys);
      return this;
    }

    /**
     * The key pair of the subscriptions that name none: those stored before a second pair was added
     * (in a rotation, the old pair). Default: the only pair; required when there are several.
     */
    public Builder defaultVapidKey(String name) {
      this.defaultVapidKey = Objects.requireNonNull(name, "defaultVapidKey");
      return this;
    }

    /**
     * The VAPID contact ({@code sub} claim): a {@code mailto:} address or an {@code https:} URL the
     * push service can use to reach you. Required; localhost and placeholder domains
     * ({@code example.com}, {@code *.test}, …) are refused because push services reject them.
     *
     * @throws IllegalArgumentException when it is not such a contact
     */
    public Builder subject(String subject) {
      Objects.requireNonNull(subject, "subject");
      String problem = VapidTokens.subjectProblem(subject);
      if (problem != null) {
        throw new IllegalArgumentException("subject " + problem + ": " + Redact.quote(subject, 80));
      }
      this.subject = subject;
      return this;
    }

    /** Which endpoints may be contacted. Default {@link EndpointPolicy#defaults()}. */
    public Builder endpointPolicy(EndpointPolicy policy) {
      this.endpointPolicy = Objects.requireNonNull(policy, "endpointPolicy");
      return this;
    }

    /** Padding to hide payload lengths. Default {@link Padding#none()}. */
    public Builder padding(Padding padding) {
      this.padding = Objects.requireNonNull(padding, "padding");
      return this;
    }

    /**
     * The most requests in flight at once, across all push services; further sends wait in
     * OkHttp's queue. Default 64.
     *
     * @throws IllegalArgumentException unless 1 to 10,000
     */
    public Builder maxInFlight(int maxInFlight) {
      if (maxInFlight < 1 || maxInFlight > 10_000) {
        throw new IllegalArgumentException("maxInFlight must be between 1 and 10000: " + maxInFlight);
      }
      this.maxInFlight = maxInFlight;
      return this;
    }

    /** Timeout to establish a connection. Default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /** Timeout for a whole call: connect, send, wait for and read the answer. Default 30 s. */
    public Builder callTimeout(Duration timeout) {
      this.callTimeout = positive(timeout, "callTimeout");
      return this;
    }

    /**
     * Lifetime of a VAPID token ({@code exp} minus now). A token is reused for every message to the
     * same push service until shortly before it expires. Default 12 h.
     *
     * @throws IllegalArgumentException unless 5 minutes to 24 hours (RFC 8292's limit)
     */
    public Builder vapidTokenLifetime(Duration lifetime) {
      Objects.requireNonNull(lifetime, "vapidTokenLifetime");
      if (lifetime.compareTo(VapidTokens.MIN_LIFETIME) < 0 || lifetime.compareTo(VapidTokens.MAX_LIFETIME) > 0) {
        throw new IllegalArgumentException("vapidTokenLifetime must be between 5 minutes and 24 hours: " + lifetime);
      }
      this.vapidTokenLifetime = lifetime;
      return this;
    }

    /**
     * An OkHttp client to share connection pool and threads with. Its redirect, DNS and timeout
     * settings are overridden (redirects are never followed; resolved addresses are checked against
     * the endpoint policy; this builder's timeouts apply) and {@code maxInFlight} applies to this
     * transport alone. Default: a client of its own. With an HTTP proxy configured on the client,
     * only the host-name checks apply, since the proxy resolves the name.
     */
    public Builder okHttpClient(OkHttpClient client) {
      this.okHttpClient = Objects.requireNonNull(client, "okHttpClient");
      return this;
    }

    /** Source of the VAPID {@code exp} and of "now" for {@code Retry-After} dates. Default UTC system clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Turns a delivery into the plaintext to encrypt, instead of a {@link PayloadFormat}. Default:
     * none, {@link PayloadFormat#serviceWorker()}. Put the delivery's {@link Delivery#collapseKey()}
     * in the shown notification's tag and its {@link Delivery#notificationId()} where the service
     * worker can drop a repeat. Must be thread-safe and fast.
     */
    public Builder payloadEncoder(Function<Delivery, byte[]> encoder) {
      this.payloadEncoder = Objects.requireNonNull(encoder, "payloadEncoder");
      return this;
    }

    /**
     * The payload format of every message. Default {@link PayloadFormat#serviceWorker()}.
     * {@link #build()} refuses it together with a {@link #payloadEncoder}.
     */
    public Builder payloadFormat(PayloadFormat format) {
      this.payloadFormat = Objects.requireNonNull(format, "payloadFormat");
      this.payloadFormatSet = true;
      this.payloadFormatApplies = null;
      return this;
    }

    /**
     * The payload format of messages to the subscriptions {@code forSubscriptions} accepts; the
     * others get {@link PayloadFormat#serviceWorker()}. For example Declarative Web Push for
     * Apple's push service: {@code payloadFormat(PayloadFormat.declarative(site),
     * s -> s.endpoint().startsWith("https://web.push.apple.com/"))}. The predicate must be
     * thread-safe and fast. {@link #build()} refuses it together with a {@link #payloadEncoder}.
     */
    public Builder payloadFormat(PayloadFormat format, Predicate<DeviceTarget.WebPushSubscription> forSubscriptions) {
      this.payloadFormat = Objects.requireNonNull(format, "payloadFormat");
      this.payloadFormatApplies = Objects.requireNonNull(forSubscriptions, "forSubscriptions");
      this.payloadFormatSet = true;
      return this;
    }

    /**
     * Builds the transport and logs its effective configuration once (the public key shortened).
     *
     * @throws IllegalStateException when the VAPID keys or subject are missing, the default key pair
     *     is not one of them (or not named while there are several), two names hold the same key
     *     pair, a pair cannot sign, the connect timeout exceeds the call timeout, or both a payload
     *     encoder and a payload format are set; the message names the key pair at fault
     */
    public WebPushTransport build() {
      if (vapidKeys.isEmpty()) {
        throw new IllegalStateException("vapidKeys must be set: load them with VapidKeys.fromPem(...) or VapidKeys.fromBase64Url(...)");
      }
      if (subject == null) {
        throw new IllegalStateException("subject must be set: a mailto: or https: contact for the push services");
      }
      if (payloadEncoder != null && payloadFormatSet) {
        throw new IllegalStateException("payloadEncoder and payloadFormat are alternatives: set one of them");
      }
      if (connectTimeout.compareTo(callTimeout) > 0) {
        throw new IllegalStateException("connectTimeout must not exceed callTimeout: " + connectTimeout + " > " + callTimeout);
      }
      String defaultKey = defaultVapidKey;
      if (defaultKey == null && vapidKeys.size() > 1) {
        throw new IllegalStateException("defaultVapidKey must be set when there are several VAPID key pairs "
            + vapidKeys.keySet() + ": the pair of the subscriptions that name none (made before the others were added)");
      }
      if (defaultKey == null) {
        defaultKey = vapidKeys.keySet().iterator().next();
      } else if (!vapidKeys.containsKey(defaultKey)) {
        throw new IllegalStateException("defaultVapidKey " + Redact.quote(defaultKey, 70)
            + " is not one of the VAPID key pairs " + vapidKeys.keySet());
      }
      Map<String, String> byPublicKey = new java.util.HashMap<>();
      for (Map.Entry<String, VapidKeys> e : vapidKeys.entrySet()) {
        String other = byPublicKey.putIfAbsent(e.getValue().publicKeyBase64Url(), e.getKey());
        if (other != null) {
          // One pair under two names would split its subscriptions into two scopes for no reason,
          // and is most often a rotation whose new pair was never generated.
          throw new IllegalStateException("VAPID key pairs '" + other + "' and '" + e.getKey()
              + "' are the same key pair: give each name its own pair");
        }
      }
      Map<String, VapidTokens> signers = new LinkedHashMap<>();
      for (Map.Entry<String, VapidKeys> e : vapidKeys.entrySet()) {
        VapidTokens t;
        try {
          t = new VapidTokens(e.getValue().jcaPrivateKey(), e.getValue().publicKeyBase64Url(), subject,
              vapidTokenLifetime, clock);
          // Sign once now: a pair that cannot sign fails here, by name, not at the first message.
          VapidTokens.verifySigns(e.getValue().jcaPrivateKey(), e.getValue().publicKey());
        } catch (RuntimeException ex) {
          throw new IllegalStateException("VAPID key pair '" + e.getKey() + "' cannot sign VAPID tokens: " + ex.getMessage(), ex);
        }
        signers.put(e.getKey(), t);
      }
      return new WebPushTransport(this, signers, defaultKey);
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be > 0: " + d);
      }
      return d;
    }
  }
}
