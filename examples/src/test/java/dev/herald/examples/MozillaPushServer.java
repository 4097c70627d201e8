package dev.herald.examples;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.testing.Reply;
import dev.herald.testing.webpush.FakePushService;
import dev.herald.testing.webpush.PushRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;

/**
 * A stand-in for Mozilla's push service on 127.0.0.1, enough for a real Firefox: its push client
 * connects to {@link #webSocketUrl()} (the {@code dom.push.serverURL} pref) and speaks Mozilla's
 * push protocol (JSON text frames: hello, register, notification, ack, unregister, ping). The
 * endpoints it hands out are {@link FakePushService#relay relays} of herald-testing's push service,
 * which checks what application servers POST as a strict RFC 8030 service does (the Web Push
 * headers, the VAPID authorization against the key the subscription was made with), answers 201
 * with a {@code Location}, and hands the encrypted body over untouched: this server forwards it to
 * Firefox, which decrypts it with its own keys (RFC 8291) and acks each message with a code (100
 * delivered, 101 decryption failed, 102 not delivered).
 */
final class MozillaPushServer implements AutoCloseable {

  /**
   * A message forwarded to Firefox.
   *
   * @param version its unique id in the protocol
   * @param channelId the subscription
   * @param receivedNanos when the push service received it (System.nanoTime)
   */
  record Forwarded(String version, String channelId, long receivedNanos) {}

  /**
   * Firefox's answer to a message.
   *
   * @param version the message's id
   * @param code 100 delivered, 101 decryption error, 102 not delivered
   */
  record Ack(String version, int code) {}

  private final MockWebServer server = new MockWebServer();
  private final FakePushService pushService = FakePushService.start();
  private final String uaid = "herald-test-" + UUID.randomUUID().toString().replace("-", "");
  /** Firefox's channel of each endpoint path the push service handed out. */
  private final Map<String, String> channels = new ConcurrentHashMap<>();
  private final Set<String> unregistered = ConcurrentHashMap.newKeySet();
  private final List<Forwarded> forwarded = new CopyOnWriteArrayList<>();
  private final Map<String, Ack> acks = new ConcurrentHashMap<>();
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final AtomicReference<WebSocket> firefox = new AtomicReference<>();
  private final CountDownLatch hello = new CountDownLatch(1);
  private final AtomicLong messages = new AtomicLong();

  MozillaPushServer() {
    // What the push service decides beyond its checks: gone after unregister, 503 while Firefox is away.
    pushService.answerWith(r -> {
      String channel = channels.get(r.path());
      if (channel == null || unregistered.contains(channel)) {
        return Reply.status(410);
      }
      if (firefox.get() == null) {
        violations.add("503: the user agent is not connected");
        return Reply.status(503);
      }
      return Reply.accept();
    });
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        if ("websocket".equalsIgnoreCase(request.getHeaders().get("Upgrade"))) {
          return new MockResponse.Builder().setHeader("Sec-WebSocket-Protocol", "push-notification")
              .webSocketUpgrade(new PushProtocol()).build();
        }
        violations.add("not a web socket: " + request.getRequestLine());
        return new MockResponse.Builder().code(404).build();
      }
    });
    try {
      server.start(InetAddress.getByName("127.0.0.1"), 0);
    } catch (IOException e) {
      pushService.close();
      throw new UncheckedIOException(e);
    }
  }

  /** The URL for Firefox's {@code dom.push.serverURL}. */
  String webSocketUrl() {
    return "ws://127.0.0.1:" + server.getPort() + "/";
  }

  /** Waits for Firefox's push client to say hello; false when it did not within {@code timeout}. */
  boolean awaitHello(Duration timeout) throws InterruptedException {
    return hello.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether Firefox's push client has said hello. */
  boolean helloReceived() {
    return hello.getCount() == 0;
  }

  /** Answers the next message only after {@code delay} (it is forwarded to Firefox at once). */
  void answerNextSlowly(Duration delay) {
    pushService.answerNext(Reply.accept().after(delay));
  }

  /** Sends a body to Firefox as a message on {@code channelId}, as if an application server had; returns its version. */
  String deliver(String channelId, byte[] body) {
    return forward(channelId, body, System.nanoTime());
  }

  /** Forwards a message to Firefox; returns its version, or null when Firefox is not connected. */
  private String forward(String channelId, byte[] body, long receivedNanos) {
    String version = "v" + messages.incrementAndGet() + "-" + UUID.randomUUID();
    forwarded.add(new Forwarded(version, channelId, receivedNanos));
    Map<String, Object> notification = new LinkedHashMap<>();
    notification.put("messageType", "notification");
    notification.put("channelID", channelId);
    notification.put("version", version);
    notification.put("data", Base64.getUrlEncoder().withoutPadding().encodeToString(body));
    notification.put("headers", Map.of("encoding", "aes128gcm"));
    WebSocket ws = firefox.get();
    if (ws == null || !ws.send(JSONObjectUtils.toJSONString(notification))) {
      violations.add("Firefox was not connected for message " + version);
      return null;
    }
    return version;
  }

  /** What the push service accepted for {@code channelId}: on to Firefox, as it arrived. */
  private void relay(String channelId, PushRequest request) {
    forward(channelId, request.body(), System.nanoTime());
  }

  /** Messages forwarded so far, in order. */
  List<Forwarded> forwarded() {
    return new ArrayList<>(forwarded);
  }

  /** Firefox's ack of a message, or null while it has not acked. */
  Ack ack(String version) {
    return acks.get(version);
  }

  /** What the service refused or could not do (a wrong header, a bad VAPID token, Firefox away). */
  List<String> violations() {
    List<String> all = new ArrayList<>(pushService.problems());
    all.addAll(violations);
    return all;
  }

  /** The subscription ({@code channelID}) of an endpoint this service handed out, or null. */
  String channelOf(String endpoint) {
    return channels.get(URI.create(endpoint).getRawPath());
  }

  /** Mozilla's push protocol, server side, for the one Firefox that connects. */
  private final class PushProtocol extends WebSocketListener {
    @Override
    public void onMessage(WebSocket webSocket, String text) {
      Map<String, Object> m;
      try {
        m = JSONObjectUtils.parse(text);
      } catch (java.text.ParseException e) {
        violations.add("unreadable frame from Firefox");
        return;
      }
      String type = String.valueOf(m.get("messageType"));
      switch (m.isEmpty() ? "ping" : type) {
        case "ping" -> webSocket.send("{}");
        case "hello" -> {
          firefox.set(webSocket);
          Map<String, Object> reply = new LinkedHashMap<>();
          reply.put("messageType", "hello");
          reply.put("uaid", uaid); // the same every time, or Firefox drops its subscriptions
          reply.put("status", 200);
          reply.put("use_webpush", true); // without it Firefox makes no keys
          reply.put("broadcasts", Map.of());
          webSocket.send(JSONObjectUtils.toJSONString(reply));
          hello.countDown();
        }
        case "register" -> {
          String channelId = String.valueOf(m.get("channelID"));
          // Firefox registers the application server key it subscribed with (null for none).
          String key = m.get("key") instanceof String k ? k : null;
          String endpoint = pushService.relay(key, r -> relay(channelId, r));
          channels.put(URI.create(endpoint).getRawPath(), channelId);
          unregistered.remove(channelId);
          Map<String, Object> reply = new LinkedHashMap<>();
          reply.put("messageType", "register");
          reply.put("channelID", channelId);
          reply.put("status", 200);
          reply.put("pushEndpoint", endpoint);
          webSocket.send(JSONObjectUtils.toJSONString(reply));
        }
        case "unregister" -> {
          unregistered.add(String.valueOf(m.get("channelID")));
          webSocket.send(JSONObjectUtils.toJSONString(Map.of("messageType", "unregister",
              "channelID", String.valueOf(m.get("channelID")), "status", 200)));
        }
        case "ack" -> {
          Object updates = m.get("updates");
          if (updates instanceof List<?> list) {
            for (Object u : list) {
              if (u instanceof Map<?, ?> update && update.get("version") instanceof String version) {
                int code = update.get("code") instanceof Number n ? n.intValue() : 100;
                acks.put(version, new Ack(version, code));
              }
            }
          }
        }
        case "nack" -> {
          if (m.get("version") instanceof String version) {
            int code = m.get("code") instanceof Number n ? n.intValue() : 0;
            acks.put(version, new Ack(version, code));
          }
        }
        default -> {
          // broadcast_subscribe and the like: nothing to do here
        }
      }
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      firefox.compareAndSet(webSocket, null);
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
      firefox.compareAndSet(webSocket, null);
    }
  }

  @Override
  public void close() throws IOException {
    // Closing the server drops Firefox's connection (a server-side web socket has no call to cancel).
    firefox.set(null);
    try {
      server.close();
    } finally {
      pushService.close();
    }
  }
}
