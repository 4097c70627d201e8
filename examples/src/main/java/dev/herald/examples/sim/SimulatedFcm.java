package dev.herald.examples.sim;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * A local stand-in for Google's OAuth2 token endpoint and FCM HTTP v1 on 127.0.0.1: it issues
 * access tokens, accepts {@code messages:send} with the answers FCM gives (200 with a message name,
 * 404 {@code UNREGISTERED} for tokens it was told are gone) and records what it received.
 */
public final class SimulatedFcm implements Closeable {
  /** The project id of the generated service account. */
  public static final String PROJECT = "herald-demo";

  private final MockWebServer server = new MockWebServer();
  private final Set<String> unregistered = ConcurrentHashMap.newKeySet();
  private final List<Map<String, Object>> received = new CopyOnWriteArrayList<>();
  private final AtomicLong ids = new AtomicLong();
  private volatile Consumer<Map<String, Object>> onMessage = m -> {};
  private final String serviceAccountJson;

  /** Starts the server on a free loopback port. */
  public SimulatedFcm() {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return answer(request);
      }
    });
    try {
      server.start(java.net.InetAddress.getLoopbackAddress(), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    serviceAccountJson = generateServiceAccount(PROJECT, server.url("/token").toString());
  }

  /** The FCM base URL to configure on the transport. */
  public String baseUrl() {
    return server.url("/").toString();
  }

  /** A service-account JSON (freshly generated key) whose {@code token_uri} points here. */
  public String serviceAccountJson() {
    return serviceAccountJson;
  }

  /** From now on, answer sends to this registration token with {@code UNREGISTERED}. */
  public void unregister(String token) {
    unregistered.add(token);
  }

  /** Called with each accepted message ({@code message} object of the request). */
  public void onMessage(Consumer<Map<String, Object>> listener) {
    this.onMessage = listener;
  }

  /** Every {@code message} object received, accepted or not. */
  public List<Map<String, Object>> received() {
    return List.copyOf(received);
  }

  private MockResponse answer(RecordedRequest request) {
    String path = request.getUrl().encodedPath();
    if (path.equals("/token")) {
      return json(200, Map.of("access_token", "ya29.sim-" + ids.incrementAndGet(), "expires_in", 3600, "token_type", "Bearer"));
    }
    if (!path.equals("/v1/projects/" + PROJECT + "/messages:send")) {
      return json(404, Map.of("error", Map.of("code", 404, "message", "Not Found", "status", "NOT_FOUND")));
    }
    Map<String, Object> message;
    try {
      message = JSONObjectUtils.getJSONObject(JSONObjectUtils.parse(request.getBody().utf8()), "message");
    } catch (java.text.ParseException e) {
      return json(400, Map.of("error", Map.of("code", 400, "message", "Invalid JSON payload", "status", "INVALID_ARGUMENT")));
    }
    received.add(message);
    Object token = message.get("token") != null ? message.get("token") : message.get("fid");
    if (token != null && unregistered.contains(token.toString())) {
      return json(404, Map.of("error", Map.of("code", 404, "message", "Requested entity was not found.", "status", "NOT_FOUND",
          "details", List.of(Map.of("@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode", "UNREGISTERED")))));
    }
    onMessage.accept(message);
    return json(200, Map.of("name", "projects/" + PROJECT + "/messages/" + ids.incrementAndGet()));
  }

  private static MockResponse json(int code, Map<String, Object> body) {
    return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json; charset=UTF-8")
        .body(JSONObjectUtils.toJSONString(body)).build();
  }

  /**
   * A service-account JSON with a fresh 2048-bit RSA key, for {@code projectId}, whose tokens come
   * from {@code tokenUri}.
   */
  public static String generateServiceAccount(String projectId, String tokenUri) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      byte[] pkcs8 = g.generateKeyPair().getPrivate().getEncoded();
      String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pkcs8)
          + "\n-----END PRIVATE KEY-----\n";
      return JSONObjectUtils.toJSONString(Map.of(
          "type", "service_account",
          "project_id", projectId,
          "private_key_id", "sim",
          "private_key", pem,
          "client_email", "herald@" + projectId + ".iam.gserviceaccount.com",
          "token_uri", tokenUri));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
