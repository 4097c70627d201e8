package dev.herald.reliability.support;

import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.RetryPolicy;
import dev.herald.fcm.FcmTransport;
import dev.herald.fcm.ServiceAccount;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.outbox.jdbc.JdbcOutbox;
import dev.herald.spi.DeviceRegistry;
import dev.herald.spi.InputValidator;
import dev.herald.webpush.EndpointPolicy;
import dev.herald.webpush.VapidKeys;
import dev.herald.webpush.WebPushTransport;
import java.time.Duration;
import javax.sql.DataSource;
import okhttp3.OkHttpClient;

/**
 * How the suite assembles Herald, the same way in the test JVM and in engine processes: the real
 * JDBC outbox and the real Web Push and FCM transports, pointed at the fake services on 127.0.0.1.
 */
public final class Stacks {
  /** The VAPID contact every transport here uses. */
  public static final String SUBJECT = "mailto:push-ops@herald.dev";

  private Stacks() {}

  /**
   * A bare outbox with the built-in purge off (the suite counts rows at the end), for what runs no
   * engine of its own (the drivers that only enqueue valid notifications and register devices) and
   * for the tests that drive the core engine on it directly. It checks only the model.
   */
  public static JdbcOutbox outbox(DataSource ds) {
    return JdbcOutbox.builder(ds).purgeInterval(Duration.ZERO).validator(InputValidator.none()).build();
  }

  /**
   * Registers {@code count} members, {@code member-0} to {@code member-<count-1>}, each with one
   * device: a browser subscribed at the fake push service for even numbers, an Android phone's FCM
   * token for odd ones.
   */
  public static void registerMembers(DeviceRegistry registry, Devices devices, int count) {
    for (int r = 0; r < count; r++) {
      DeviceTarget t = r % 2 == 0 ? devices.browser("m" + r) : Devices.phone("m" + r);
      registry.register("member-" + r, t);
    }
  }

  /** The only endpoints these tests may reach: plain http on loopback, where the fakes listen. */
  public static EndpointPolicy loopbackPolicy() {
    return EndpointPolicy.builder().allowLoopback(true).allowHttp(true).build();
  }

  /** A Web Push transport signing with {@code keys}, allowed to reach loopback only. */
  public static WebPushTransport webPush(VapidKeys keys, Duration callTimeout, int maxInFlight) {
    return webPushBuilder(keys, callTimeout, maxInFlight).build();
  }

  /** {@link #webPush(VapidKeys, Duration, int)} on a caller's OkHttp client (its pool and threads). */
  public static WebPushTransport webPush(VapidKeys keys, Duration callTimeout, int maxInFlight, OkHttpClient client) {
    return webPushBuilder(keys, callTimeout, maxInFlight).okHttpClient(client).build();
  }

  private static WebPushTransport.Builder webPushBuilder(VapidKeys keys, Duration callTimeout, int maxInFlight) {
    return WebPushTransport.builder().vapidKeys(keys).subject(SUBJECT).endpointPolicy(loopbackPolicy())
        .connectTimeout(callTimeout.compareTo(Duration.ofSeconds(5)) < 0 ? callTimeout : Duration.ofSeconds(5))
        .callTimeout(callTimeout).maxInFlight(maxInFlight);
  }

  /** An FCM transport for the fake FCM's service account. */
  public static FcmTransport fcm(String serviceAccountJson, String baseUrl, Duration requestTimeout, int maxInFlight) {
    return fcmBuilder(serviceAccountJson, baseUrl, requestTimeout, maxInFlight).build();
  }

  /** {@link #fcm(String, String, Duration, int)} on a caller's OkHttp client (its connection pool). */
  public static FcmTransport fcm(String serviceAccountJson, String baseUrl, Duration requestTimeout, int maxInFlight,
      OkHttpClient client) {
    return fcmBuilder(serviceAccountJson, baseUrl, requestTimeout, maxInFlight).okHttpClient(client).build();
  }

  private static FcmTransport.Builder fcmBuilder(String serviceAccountJson, String baseUrl, Duration requestTimeout,
      int maxInFlight) {
    return FcmTransport.builder().serviceAccount(ServiceAccount.fromJson(serviceAccountJson)).baseUrl(baseUrl)
        .requestTimeout(requestTimeout).maxInFlight(maxInFlight);
  }

  /** A retry policy fast enough for tests: 200 ms doubling to 3 s, 12 attempts, 1 h. */
  public static RetryPolicy fastRetries() {
    return RetryPolicy.builder().initialDelay(Duration.ofMillis(200)).maxDelay(Duration.ofSeconds(3)).maxAttempts(12)
        .maxAge(Duration.ofHours(1)).build();
  }

  /**
   * Herald as a host builds it ({@link JdbcHerald}, which refuses what its transports would refuse),
   * with this suite's defaults: the purge off (the suite counts rows at the end), a short poll,
   * bounded in-flight sends, a 15 s lease and fast retries.
   */
  public static JdbcHerald.Builder herald(DataSource ds, String instanceId) {
    return JdbcHerald.builder(ds).purgeInterval(Duration.ZERO).instanceId(instanceId)
        .pollInterval(Duration.ofMillis(250)).batchSize(50).maxInFlightPerChannel(32).lease(Duration.ofSeconds(15))
        .retryPolicy(fastRetries()).shutdownTimeout(Duration.ofSeconds(5));
  }

  /** A notification for a recipient that carries its own key in its data, so the device side can count it. */
  public static Notification note(String key, String recipientId) {
    return Notification.builder(key).recipient(Recipient.id(recipientId)).title("Reminder")
        .body("Notification " + key).data(Devices.KEY_FIELD, key).build();
  }
}
