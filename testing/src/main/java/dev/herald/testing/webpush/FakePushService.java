package dev.herald.testing.webpush;

import dev.herald.DeviceTarget;
import dev.herald.testing.Reply;
import dev.herald.testing.internal.FakeHttpServer;
import dev.herald.testing.internal.History;
import dev.herald.testing.internal.OfflineStore;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * A browser vendor's push service on 127.0.0.1 (RFC 8030), with the browsers subscribed to it.
 * Each subscription's browser ({@link PushSubscriber}) holds a P-256 key pair and auth secret and
 * decrypts what reaches it (RFC 8291 {@code aes128gcm}) with its own code on the JDK's crypto. The
 * service checks requests as a strict real one does: {@code POST} to a live subscription (404 for an
 * unknown endpoint, 410 after {@link #unsubscribe}), {@code TTL}, {@code Urgency}, {@code Topic},
 * {@code Content-Encoding: aes128gcm} and a body of at most 4096 octets (400, 413), and the VAPID
 * authorization against the key the subscription was made with ({@link VapidCheck}: 401, 403). What
 * it answers to a well-formed request is scripted by subscription ({@link #answer(DeviceTarget.WebPushSubscription, Reply)}),
 * in order ({@link #answerNext}) or by a function ({@link #answerWith}); by default {@code 201 Created}
 * with a {@code Location}. A push service cannot read what it carries: a body the browser cannot
 * decrypt is accepted all the same and dropped by the browser ({@link PushRequest#decryptionFailure()}).
 * An accepted message reaches the browser at once, or, while it is {@link #offline offline}, is kept
 * as Chrome's push service (FCM) keeps messages: every one without a {@code Topic}, up to 100, and
 * the latest of at most four {@code Topic}s. A {@link #relay relay} stands for a browser outside the
 * process (a real one): its requests are checked the same way and handed over still encrypted.
 * A service that stops taking a sender's VAPID key or tokens (a key revoked there, a refusing
 * vendor) is {@link #refuseVapid(Reply)}. Several services on different origins are several
 * instances; each checks that a VAPID token names its own origin.
 *
 * <pre>{@code
 * VapidKeys vapid = VapidKeys.generate();
 * try (FakePushService push = FakePushService.builder().applicationServerKey(vapid.publicKeyBase64Url()).build()) {
 *   DeviceTarget.WebPushSubscription browser = push.subscribe();      // register it with Herald
 *   push.answerNext(Reply.status(503).withRetryAfter(Duration.ofSeconds(1)));
 *   ...
 *   assertThat(push.received(browser)).extracting(PushRequest::text).anyMatch(t -> t.contains("starts now"));
 *   assertThat(push.problems()).isEmpty();
 * }
 * }</pre>
 *
 * <p>Thread-safe. Functions and listeners run on the server's threads, one per request; a function
 * that blocks holds that request's answer.
 */
public final class FakePushService implements AutoCloseable {
  /** The largest body a push service must take (RFC 8030 §7.2 asks for at least 4096 octets; the big ones allow no more). */
  public static final int MAX_BODY = 4096;

  private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9_-]{1,32}");
  private static final Set<String> URGENCIES = Set.of("very-low", "low", "normal", "high");

  /** A subscription's state at the service: a browser here, or (browser and target null) a relay to one elsewhere. */
  private static final class Subscription {
    final PushSubscriber browser;
    final DeviceTarget.WebPushSubscription target;
    final Consumer<? super PushRequest> relay;
    final History<PushRequest> inbox;
    volatile String applicationServerKey;
    volatile boolean gone;
    volatile Reply reply;

    Subscription(PushSubscriber browser, DeviceTarget.WebPushSubscription target, Consumer<? super PushRequest> relay,
        String key, int history) {
      this.browser = browser;
      this.target = target;
      this.relay = relay;
      this.applicationServerKey = key;
      this.inbox = new History<>(relay == null ? history : 0);
    }
  }

  private final Clock clock;
  private final String defaultKey;
  private final int history;
  private final FakeHttpServer server;
  private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
  private final History<PushRequest> requests;
  private final History<String> problems;
  private final ConcurrentLinkedQueue<Reply> next = new ConcurrentLinkedQueue<>();
  private final Map<String, OfflineStore<PushRequest>> offline = new HashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private volatile Function<? super PushRequest, Reply> script = r -> Reply.accept();
  private volatile Reply vapidRefusal;
  private final Map<String, Reply> vapidRefusalByKey = new ConcurrentHashMap<>();
  private volatile Consumer<? super PushRequest> onRequest = r -> {};
  private volatile Consumer<? super PushRequest> onDelivery = r -> {};

  private FakePushService(Builder b) {
    this.clock = b.clock;
    this.defaultKey = b.applicationServerKey;
    this.history = b.history;
    this.requests = new History<>(b.history);
    this.problems = new History<>(b.history);
    this.server = new FakeHttpServer(null, false, this::answer);
  }

  /** A service whose subscriptions are made without an application server key (any valid VAPID key is taken). */
  public static FakePushService start() {
    return builder().build();
  }

  /** A builder; {@link Builder#build()} starts the service. */
  public static Builder builder() {
    return new Builder();
  }

  // ------------------------------------------------------------------ subscriptions

  /** A new subscription made with the builder's application server key, as {@code pushManager.subscribe()} returns it. */
  public DeviceTarget.WebPushSubscription subscribe() {
    return subscribe(PushSubscriber.generate(), defaultKey);
  }

  /**
   * A new subscription made with {@code applicationServerKey} (base64url; null for none): VAPID
   * authorizations with another key are refused with 403.
   */
  public DeviceTarget.WebPushSubscription subscribe(String applicationServerKey) {
    return subscribe(PushSubscriber.generate(), applicationServerKey);
  }

  /** A new subscription of {@code browser} (its keys, a test vector's say) made with {@code applicationServerKey}. */
  public DeviceTarget.WebPushSubscription subscribe(PushSubscriber browser, String applicationServerKey) {
    String path = "/push/" + UUID.randomUUID();
    DeviceTarget.WebPushSubscription target = browser.subscriptionAt(server.url(path));
    subscriptions.put(path, new Subscription(browser, target, null, applicationServerKey, history));
    return target;
  }

  /**
   * An endpoint for a browser outside this process (a real one, connected to a stand-in for its
   * vendor's service): requests to it are checked as for any subscription, VAPID against
   * {@code applicationServerKey} (null for none), but this service holds no keys to decrypt with,
   * so each accepted message is handed to {@code browser} as it arrived ({@link PushRequest#body()};
   * its payload and subscription are null), on the server's thread before the answer is written.
   * {@link #onDelivery} does not hear of it; {@link #requests()} and {@link #problems()} do.
   *
   * @return the endpoint, for the browser to give the application server with its own keys
   */
  public String relay(String applicationServerKey, Consumer<? super PushRequest> browser) {
    Objects.requireNonNull(browser, "browser");
    String path = "/push/" + UUID.randomUUID();
    subscriptions.put(path, new Subscription(null, null, browser, applicationServerKey, 0));
    return server.url(path);
  }

  /** The browser of a subscription made here. */
  public PushSubscriber subscriber(DeviceTarget.WebPushSubscription subscription) {
    return of(subscription).browser;
  }

  /**
   * The browser subscribed again with {@code applicationServerKey} and kept its endpoint: VAPID
   * authorizations are checked against the new key from now on.
   */
  public void rebind(DeviceTarget.WebPushSubscription subscription, String applicationServerKey) {
    of(subscription).applicationServerKey = applicationServerKey;
  }

  /** The browser unsubscribed: requests to the endpoint are answered 410 Gone from now on. */
  public void unsubscribe(DeviceTarget.WebPushSubscription subscription) {
    of(subscription).gone = true;
  }

  /** The messages that reached the browser of {@code subscription}, decrypted, oldest first (up to the history). */
  public List<PushRequest> received(DeviceTarget.WebPushSubscription subscription) {
    return of(subscription).inbox.items();
  }

  private Subscription of(DeviceTarget.WebPushSubscription subscription) {
    Subscription s = subscriptions.get(URI.create(subscription.endpoint()).getRawPath());
    if (s == null || s.target == null || !s.target.endpoint().equals(subscription.endpoint())) {
      throw new IllegalArgumentException("not a subscription of this push service");
    }
    return s;
  }

  /** The service's origin, {@code http://127.0.0.1:<port>}: the {@code aud} a VAPID token for it names. */
  public String origin() {
    return server.url("");
  }

  /** The port, for counting a client's connections to it. */
  public int port() {
    return server.port();
  }

  // ------------------------------------------------------------------ scripting

  /**
   * Answers every later well-formed request to {@code subscription} with {@code reply}, ahead of
   * {@link #answerNext} and {@link #answerWith}; null stops doing so.
   */
  public void answer(DeviceTarget.WebPushSubscription subscription, Reply reply) {
    of(subscription).reply = reply;
  }

  /** Answers the next well-formed requests (not scripted by subscription) with these replies, in order. */
  public void answerNext(Reply... replies) {
    next.addAll(List.of(replies));
  }

  /**
   * Answers every other well-formed request by {@code answer}, which sees the request (decrypted
   * where the browser could) with {@link PushRequest#reply()} still null. The default accepts everything.
   */
  public void answerWith(Function<? super PushRequest, Reply> answer) {
    this.script = Objects.requireNonNull(answer, "answer");
  }

  /**
   * From now on, refuses every request whose VAPID authorization is otherwise valid with
   * {@code reply}, as a push service does that no longer takes the sender's key or tokens (Apple
   * answers 403 {@code {"reason":"BadJwtToken"}}); null takes them again. Such a request is refused
   * ahead of any script, and {@link #problems()} says why.
   *
   * @throws IllegalArgumentException when {@code reply} is an acceptance
   */
  public void refuseVapid(Reply reply) {
    this.vapidRefusal = refusal(reply);
  }

  /**
   * As {@link #refuseVapid(Reply)}, for the requests signed with {@code applicationServerKey}
   * (base64url) alone: a key revoked at this service while the sender's other keys still work. null
   * takes that key again. {@link #refuseVapid(Reply)} comes first.
   *
   * @throws IllegalArgumentException when {@code reply} is an acceptance
   */
  public void refuseVapid(String applicationServerKey, Reply reply) {
    String key = Objects.requireNonNull(applicationServerKey, "applicationServerKey").replace("=", "");
    if (reply == null) {
      vapidRefusalByKey.remove(key);
    } else {
      vapidRefusalByKey.put(key, refusal(reply));
    }
  }

  private static Reply refusal(Reply reply) {
    if (reply != null && reply.accepted()) {
      throw new IllegalArgumentException("a refusal must not be an acceptance: " + reply);
    }
    return reply;
  }

  // ------------------------------------------------------------------ browsers offline

  /** From now on, the browser of {@code subscription} is offline: accepted messages wait at the service. */
  public void offline(DeviceTarget.WebPushSubscription subscription) {
    of(subscription);
    synchronized (offline) {
      offline.putIfAbsent(subscription.endpoint(), new OfflineStore<>(subscription.endpoint().hashCode()));
    }
  }

  /**
   * The browser comes back: what the service kept for it reaches it now.
   *
   * @return the messages that reached it
   */
  public List<PushRequest> online(DeviceTarget.WebPushSubscription subscription) {
    Subscription s = of(subscription);
    OfflineStore<PushRequest> store;
    synchronized (offline) {
      store = offline.remove(subscription.endpoint());
    }
    if (store == null) {
      return List.of();
    }
    List<PushRequest> kept = store.drain();
    kept.forEach(r -> reach(s, r));
    return kept;
  }

  // ------------------------------------------------------------------ observation

  /** The last requests received (up to the builder's {@link Builder#history history}), oldest first. */
  public List<PushRequest> requests() {
    return requests.items();
  }

  /** How many requests were received, well formed or not. */
  public long requestCount() {
    return requests.total();
  }

  /**
   * Everything a strict check found wrong so far, oldest first (up to the history): why the service
   * refused a request (including a {@link #refuseVapid refused VAPID key}), and why a browser could
   * not decrypt a body. Empty when the sender did everything right and no VAPID refusal was scripted.
   */
  public List<String> problems() {
    return problems.items();
  }

  /** Calls {@code listener} with every request once it is answered (replacing any listener before). */
  public void onRequest(Consumer<? super PushRequest> listener) {
    this.onRequest = Objects.requireNonNull(listener, "listener");
  }

  /** Calls {@code listener} with every message when it reaches its browser, decrypted (at once, or when it comes back online). */
  public void onDelivery(Consumer<? super PushRequest> listener) {
    this.onDelivery = Objects.requireNonNull(listener, "listener");
  }

  @Override
  public void close() {
    server.close();
  }

  @Override
  public String toString() {
    return "FakePushService[" + origin() + ", " + subscriptions.size() + " subscriptions]";
  }

  // ------------------------------------------------------------------ a request

  private MockResponse answer(RecordedRequest request) {
    Instant now = clock.instant();
    String path = request.getUrl().encodedPath();
    Subscription s = subscriptions.get(path);
    Map<String, String> headers = new HashMap<>();
    for (String name : request.getHeaders().names()) {
      headers.put(name.toLowerCase(Locale.ROOT), String.join(", ", request.getHeaders().values(name)));
    }
    byte[] body = request.getBody() == null ? new byte[0] : request.getBody().toByteArray();
    List<String> refused = new ArrayList<>();
    Reply refusal = null;
    VapidCheck vapid = null;
    if (s == null) {
      refused.add("no such subscription");
      refusal = Reply.status(404);
    } else if (s.gone) {
      refused.add("the subscription has expired or been unsubscribed");
      refusal = Reply.status(410);
    } else if (!"POST".equals(request.getMethod())) {
      refused.add("method must be POST: " + request.getMethod());
      refusal = Reply.status(405);
    } else {
      String ttl = headers.get("ttl");
      if (ttl == null || !ttl.matches("\\d{1,10}")) {
        refused.add("TTL must be a non-negative integer: " + ttl);
      }
      String urgency = headers.get("urgency");
      if (urgency != null && !URGENCIES.contains(urgency)) {
        refused.add("Urgency must be one of very-low, low, normal, high: " + urgency);
      }
      String topic = headers.get("topic");
      if (topic != null && !TOPIC.matcher(topic).matches()) {
        refused.add("Topic must be 1-32 base64url characters: " + topic);
      }
      if (!"aes128gcm".equals(headers.get("content-encoding"))) {
        refused.add("Content-Encoding must be aes128gcm: " + headers.get("content-encoding"));
      }
      if (!refused.isEmpty()) {
        refusal = Reply.status(400);
      } else if (!String.valueOf(body.length).equals(headers.get("content-length"))) {
        refused.add("Content-Length must be the body's length " + body.length + ": " + headers.get("content-length"));
        refusal = Reply.status(411);
      } else if (body.length > MAX_BODY) {
        refused.add("the body must be at most " + MAX_BODY + " octets: " + body.length);
        refusal = Reply.status(413);
      } else {
        // A push service compares aud with its own origin, which is what the client put in Host.
        vapid = VapidCheck.of(headers.get("authorization"), FakeHttpServer.origin(request), s.applicationServerKey, now);
        if (!vapid.valid()) {
          refused.addAll(vapid.problems());
          refusal = Reply.status(vapid.status());
        } else {
          Reply refuse = vapidRefusal;
          if (refuse == null) {
            refuse = vapidRefusalByKey.get(vapid.key());
          }
          if (refuse != null) {
            refused.add("the service refuses this VAPID key or token (refuseVapid): " + refuse);
            refusal = refuse;
          }
        }
      }
    }
    byte[] payload = null;
    String failure = null;
    if (refusal == null && s.browser != null) {
      try {
        payload = s.browser.decrypt(body);
      } catch (DecryptionException e) {
        failure = e.getMessage();
      }
    }
    Map<String, String> seen = Map.copyOf(headers);
    Map<String, Object> claims = vapid == null ? null : vapid.claims();
    DeviceTarget.WebPushSubscription target = s == null ? null : s.target;
    PushRequest pending = new PushRequest(now, path, target, seen, claims, body, payload, failure, List.copyOf(refused), null);
    Reply reply = refusal != null ? refusal : decide(s, pending);
    PushRequest answered = new PushRequest(now, path, target, seen, claims, body, payload, failure, pending.problems(), reply);
    requests.add(answered);
    answered.problems().forEach(p -> problems.add(request.getRequestLine().split(" ")[0] + " " + abbreviated(path) + ": " + p));
    if (failure != null) {
      problems.add("the browser of " + abbreviated(path) + " cannot decrypt a message: " + failure);
    }
    onRequest.accept(answered);
    if (answered.accepted() && (payload != null || s.relay != null)) {
      deliver(s, answered);
    }
    MockResponse.Builder created = new MockResponse.Builder().code(201)
        .setHeader("Location", server.url("/message/" + ids.incrementAndGet()))
        .setHeader("TTL", headers.getOrDefault("ttl", "0"));
    return FakeHttpServer.render(reply, created, FakePushService::reason);
  }

  private static String abbreviated(String path) {
    return path.length() > 14 ? path.substring(0, 14) + "…" : path;
  }

  private Reply decide(Subscription s, PushRequest request) {
    Reply reply = s.reply;
    if (reply == null) {
      reply = next.poll();
    }
    if (reply == null) {
      reply = script.apply(request);
    }
    return reply == null ? Reply.accept() : reply;
  }

  private void deliver(Subscription s, PushRequest request) {
    if (s.relay != null) {
      s.relay.accept(request);
      return;
    }
    synchronized (offline) {
      OfflineStore<PushRequest> store = offline.get(s.target.endpoint());
      if (store != null) {
        store.store(request, request.header("Topic"));
        return;
      }
    }
    reach(s, request);
  }

  private void reach(Subscription s, PushRequest request) {
    s.inbox.add(request);
    onDelivery.accept(request);
  }

  /** A push service's short reason for a status of a reply that gave no body. */
  private static MockResponse.Builder reason(int status) {
    String text = switch (status) {
      case 400 -> "bad request";
      case 401 -> "unauthorized: the VAPID authorization is missing or invalid";
      // Chrome's push service (FCM) says so when the key differs from the subscription's.
      case 403 -> "the key in the authorization header does not correspond to the sender ID used to subscribe this user. "
          + "Please ensure you are using the correct sender ID and server Key from the Firebase console.";
      case 404, 410 -> "push subscription has unsubscribed or expired.";
      case 405 -> "method not allowed";
      case 411 -> "length required";
      case 413 -> "payload too large";
      case 429 -> "too many requests";
      case 500 -> "internal server error";
      case 503 -> "service unavailable";
      default -> status / 100 == 2 ? "" : "error " + status;
    };
    return new MockResponse.Builder().setHeader("Content-Type", "text/plain; charset=utf-8").body(text);
  }

  /** Settings of a {@link FakePushService}; each has a default. Not thread-safe. */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private String applicationServerKey;
    private int history = 10_000;

    private Builder() {}

    /** The clock that judges VAPID expiry and stamps requests; default the system's. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The application server key (VAPID public key, base64url) {@link #subscribe()} subscribes with;
     * default none (any valid VAPID key is taken, as for a subscription made without one).
     */
    public Builder applicationServerKey(String applicationServerKey) {
      this.applicationServerKey = Objects.requireNonNull(applicationServerKey, "applicationServerKey");
      return this;
    }

    /**
     * How many requests {@link #requests()} and each browser's {@link #received} keep (the counts
     * count all); default 10,000. 0 keeps none, for long runs.
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

    /** Starts the service. */
    public FakePushService build() {
      return new FakePushService(this);
    }
  }
}
