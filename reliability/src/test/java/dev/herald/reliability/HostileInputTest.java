package dev.herald.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.Content;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.Urgency;
import dev.herald.fcm.FcmTransport;
import dev.herald.fcm.ServiceAccount;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.reliability.support.CountingTransport;
import dev.herald.reliability.support.Figures;
import dev.herald.reliability.support.H2;
import dev.herald.reliability.support.OutboxProbe;
import dev.herald.reliability.support.Stacks;
import dev.herald.reliability.support.TestPostgres;
import dev.herald.testing.fcm.FakeFcm;
import dev.herald.testing.webpush.PushSubscriber;
import dev.herald.webpush.VapidKeys;
import dev.herald.webpush.WebPushTransport;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile input at every door a host opens to the public (a browser's subscription, an app's
 * token, a notification built from user data, a service-account file pasted by an operator): each
 * malformed value is refused with an {@link InvalidInputException} naming the field, nothing
 * reaches the outbox tables (notifications, deliveries, idempotency keys, devices), nothing is
 * sent, and no secret is echoed in full. Run against H2 and, when configured, PostgreSQL.
 *
 * <p>The host under test is configured as in production: {@link JdbcHerald}, whose Web Push
 * transport has the default endpoint policy (known push services, https only, no private or
 * loopback addresses).
 */
class HostileInputTest {
  private static final String GOOD_ENDPOINT = "https://fcm.googleapis.com/fcm/send/dJq1-hostile-test-subscription";
  private static final DeviceTarget.WebPushSubscription GOOD_SUB =
      PushSubscriber.generate().subscriptionAt(GOOD_ENDPOINT);
  private static final String GOOD_P256DH = GOOD_SUB.p256dh();
  private static final String GOOD_AUTH = GOOD_SUB.auth();
  private static final String SQL = "'; DROP TABLE herald_notification; --";
  private static final Map<String, Host> HOSTS = new ConcurrentHashMap<>();
  private static final Set<String> TESTED = ConcurrentHashMap.newKeySet();

  /** One engine and outbox per database, shared by the table's rows. */
  private static final class Host implements AutoCloseable {
    final AutoCloseable database;
    final DataSource ds;
    final JdbcHerald herald;
    final CountingTransport webPush;
    final CountingTransport fcm;
    final FakeFcm fakeFcm;

    Host(String db) {
      if (db.equals("h2")) {
        com.zaxxer.hikari.HikariDataSource h2 = H2.create("hostile");
        database = h2;
        ds = h2;
      } else {
        TestPostgres pg = TestPostgres.create();
        database = pg;
        ds = pg.pool("hostile", 4);
      }
      fakeFcm = FakeFcm.start();
      webPush = new CountingTransport(WebPushTransport.builder().vapidKeys(VapidKeys.generate()).subject(Stacks.SUBJECT)
          .build());
      fcm = new CountingTransport(Stacks.fcm(fakeFcm.serviceAccountJson(), fakeFcm.baseUrl(), Duration.ofSeconds(5), 4));
      herald = JdbcHerald.builder(ds).purgeInterval(Duration.ZERO).transport(webPush).transport(fcm).build();
      herald.migrate();
    }

    @Override
    public void close() throws Exception {
      herald.close();
      fakeFcm.close();
      database.close();
    }
  }

  /**
   * One row: what the host does with the hostile value, and the field the refusal must name.
   *
   * @param name what is hostile
   * @param field the field the exception must name
   * @param secret a value that must not appear in the message in full, or null
   * @param action the host's whole path with that value (build it, then store or register it)
   */
  record Case(String name, String field, String secret, HostAction action) {
    @Override
    public String toString() {
      return name;
    }
  }

  @FunctionalInterface
  interface HostAction {
    void run(Host host) throws Exception;
  }

  static Stream<Arguments> table() {
    List<Case> cases = cases();
    List<Arguments> out = new ArrayList<>();
    for (String db : List.of("h2", "postgresql")) {
      for (Case c : cases) {
        out.add(Arguments.of(db, c));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "[{0}] {1}")
  @MethodSource("table")
  void hostileInputIsRefusedNamingTheFieldAndNothingIsStoredOrSent(String db, Case c) throws Exception {
    Host host = host(db);
    Throwable thrown = catchThrowable(() -> c.action().run(host));

    assertThat(thrown).as(c.name()).isInstanceOf(InvalidInputException.class);
    InvalidInputException e = (InvalidInputException) thrown;
    assertThat(e.fields()).as("fields named for " + c.name()).contains(c.field());
    assertThat(e.getMessage()).contains(c.field());
    if (c.secret() != null) {
      assertThat(e.getMessage()).as("the message must not echo the secret").doesNotContain(c.secret());
    }
    assertThat(new OutboxProbe(host.ds).rows()).as("rows in notification, delivery, dedup, device").containsOnly(0L);
    assertThat(host.herald.drain(3)).as("deliveries claimed").isZero();
    assertThat(host.webPush.sends() + host.fcm.sends()).as("sends").isZero();
    assertThat(host.fakeFcm.requestCount() + host.fakeFcm.tokenRequestCount()).as("requests at FCM").isZero();
    TESTED.add(db + ":" + c.name());
  }

  /**
   * Valid values full of SQL metacharacters are not hostile: they are stored and sent verbatim and
   * the tables are still there afterwards.
   */
  @Test
  void sqlMetacharactersInValidFieldsAreStoredAndSentVerbatim() throws Exception {
    try (Host host = new Host("h2")) {
      String key = "k'\"; DROP TABLE herald_dedup; --\\%_";
      String recipient = "r' OR '1'='1; DELETE FROM herald_device; --";
      DeviceTarget.FcmToken token = new DeviceTarget.FcmToken("tok'\";--/*DROP*/" + SQL.replace(" ", "_"));
      host.herald.devices().register(recipient, token);
      host.herald.enqueue(Notification.builder(key).recipient(Recipient.id(recipient)).title(SQL).body("\"); --")
          .data("key", key).data(SQL, SQL).build());
      assertThat(host.herald.drain(5)).isEqualTo(1);
      assertThat(host.herald.find(key)).get().satisfies(s -> assertThat(s.state()).isEqualTo(dev.herald.DeliveryState.DELIVERED));
      assertThat(host.herald.devices().devices(recipient)).singleElement().satisfies(d -> assertThat(d.target()).isEqualTo(token));
      assertThat(new OutboxProbe(host.ds).rows()).containsExactly(1L, 1L, 1L, 1L);
      assertThat(host.fcm.sends()).isEqualTo(1);
      assertThat(host.fakeFcm.requests()).singleElement().satisfies(r -> {
        assertThat(r.accepted()).as(r.toString()).isTrue();
        assertThat(r.target()).isEqualTo(token.token());
        assertThat(r.data()).containsEntry("key", key).containsEntry(SQL, SQL);
        assertThat(r.object("notification")).containsEntry("title", SQL).containsEntry("body", "\"); --");
      });
    }
  }

  @AfterAll
  static void closeAndRecord() throws Exception {
    Figures fig = new Figures("hostile-input");
    fig.put("cases in the table", cases().size());
    fig.put("rows passed (case x database)", TESTED.size());
    fig.put("databases", HOSTS.keySet());
    fig.write();
    for (Host h : HOSTS.values()) {
      h.close();
    }
    HOSTS.clear();
  }

  private static Host host(String db) {
    if (db.equals("postgresql")) {
      TestPostgres.serverUrl(); // skips the PostgreSQL rows when none is configured
    }
    return HOSTS.computeIfAbsent(db, Host::new);
  }

  // ---------------------------------------------------------------- the table

  static List<Case> cases() {
    List<Case> t = new ArrayList<>();
    // A browser's subscription, registered through the engine's validating registry.
    t.add(sub("p256dh off the curve", "p256dh", null, b64(point(1, 1)), GOOD_AUTH));
    t.add(sub("p256dh of 64 bytes", "p256dh", null, b64(new byte[64]), GOOD_AUTH));
    t.add(sub("p256dh compressed (33 bytes)", "p256dh", null, b64(compressed()), GOOD_AUTH));
    t.add(sub("p256dh all zeros", "p256dh", null, b64(new byte[65]), GOOD_AUTH));
    t.add(sub("p256dh not base64url", "p256dh", null, "@@@@not-base64@@@@", GOOD_AUTH));
    t.add(sub("auth of 15 bytes", "auth", null, GOOD_P256DH, b64(new byte[15])));
    t.add(sub("auth of 32 bytes", "auth", null, GOOD_P256DH, b64(new byte[32])));
    t.add(sub("auth missing", "auth", null, GOOD_P256DH, null));
    t.add(sub("endpoint plain http", "endpoint", "/fcm/send/plain-http-secret-path",
        "http://fcm.googleapis.com/fcm/send/plain-http-secret-path", GOOD_P256DH, GOOD_AUTH));
    t.add(sub("endpoint ftp", "endpoint", null, "ftp://fcm.googleapis.com/fcm/send/x", GOOD_P256DH, GOOD_AUTH));
    t.add(sub("endpoint private address", "endpoint", null, "https://10.0.0.7/push/x", GOOD_P256DH, GOOD_AUTH));
    t.add(sub("endpoint cloud metadata address", "endpoint", null, "https://169.254.169.254/latest/meta-data/iam",
        GOOD_P256DH, GOOD_AUTH));
    t.add(sub("endpoint loopback", "endpoint", null, "https://127.0.0.1:8443/push/x", GOOD_P256DH, GOOD_AUTH));
    t.add(sub("endpoint IPv6 loopback", "endpoint", null, "https://[::1]/push/x", GOOD_P256DH, GOOD_AUTH));
    t.add(sub("endpoint unknown host", "endpoint", null, "https://push.attacker.example/x", GOOD_P256DH, GOOD_AUTH));
    t.add(sub("endpoint with user info", "endpoint", "s3cr3t-pw", "https://user:s3cr3t-pw@fcm.googleapis.com/fcm/send/x",
        GOOD_P256DH, GOOD_AUTH));
    t.add(sub("endpoint of 3 KB", "endpoint", null, GOOD_ENDPOINT + "a".repeat(3000), GOOD_P256DH, GOOD_AUTH));
    t.add(sub("endpoint with CRLF header injection", "endpoint", null,
        "https://fcm.googleapis.com/fcm/send/a\r\nX-Injected: 1", GOOD_P256DH, GOOD_AUTH));
    t.add(sub("endpoint with SQL metacharacters", "endpoint", null, "https://fcm.googleapis.com/fcm/send/" + SQL,
        GOOD_P256DH, GOOD_AUTH));
    // Issue 12: the unspecified address, unbounded keys.
    t.add(sub("endpoint at 0.0.0.0", "endpoint", null, "https://0.0.0.0/push/x", GOOD_P256DH, GOOD_AUTH));
    t.add(sub("p256dh followed by 1 MiB after a padding character", "p256dh", null,
        GOOD_P256DH + "=" + "A".repeat(1 << 20), GOOD_AUTH));
    t.add(sub("auth with text after its padding", "auth", null, GOOD_P256DH, GOOD_AUTH + "==x"));
    // An app's FCM identity.
    t.add(device("FCM token with SQL and spaces", "token", () -> new DeviceTarget.FcmToken("x' OR '1'='1")));
    t.add(device("FCM token of 5,000 characters", "token", () -> new DeviceTarget.FcmToken("t".repeat(5000))));
    t.add(device("FCM token with a line break", "token", () -> new DeviceTarget.FcmToken("abc\ndef-secret-token-tail")));
    t.add(device("FCM installation id empty", "fid", () -> new DeviceTarget.FcmInstallation("")));
    t.add(device("FCM installation id not ASCII", "fid", () -> new DeviceTarget.FcmInstallation("fïd-ünïcode")));
    // Notifications built from user data.
    t.add(note("idempotency key of 10 KB", "idempotencyKey", b -> Notification.builder("k".repeat(10_240))));
    t.add(note("idempotency key with control characters", "idempotencyKey",
        b -> Notification.builder("order-1\u0000\u001b[2J\r\n")));
    t.add(note("idempotency key empty", "idempotencyKey", b -> Notification.builder("")));
    t.add(note("idempotency key of 10 KB of SQL", "idempotencyKey",
        b -> Notification.builder(SQL.repeat(10_240 / SQL.length() + 1))));
    t.add(new Case("recipient id with a line break and SQL", "recipientId", null,
        h -> h.herald.enqueue(Notification.builder("k1").recipient(Recipient.id("member-1\n" + SQL)).title("t").build())));
    // Issue 12: what UTF-8 or the database would turn into '?' or refuse, and look-alike identifiers.
    t.add(note("idempotency key with an unpaired surrogate", "idempotencyKey", b -> Notification.builder("order-\uD800")));
    t.add(note("idempotency key with a right-to-left override", "idempotencyKey",
        b -> Notification.builder("order-\u202E1")));
    t.add(new Case("recipient id with an unpaired surrogate", "recipientId", null,
        h -> h.herald.enqueue(Notification.builder("k1").recipient(Recipient.id("member-\uDC00")).title("t").build())));
    t.add(note("title with an unpaired surrogate", "content.title", b -> b.title("a\uD800b")));
    t.add(note("notBefore in year 300000", "notBefore", b -> b.notBefore(Instant.parse("+300000-01-01T00:00:00Z"))));
    t.add(note("expiresAt at Instant.MAX", "expiresAt", b -> b.expiresAt(Instant.MAX)));
    t.add(note("click URL javascript:", "content.clickUrl", b -> b.clickUrl(URI.create("javascript:alert(1)"))));
    t.add(new Case("recipient id of 10 KB", "recipientId", null,
        h -> h.herald.enqueue(Notification.builder("k1").recipient(Recipient.id("r".repeat(10_240))).title("t").build())));
    t.add(note("title over 1,024 characters", "content.title", b -> b.title("T".repeat(2_000))));
    t.add(note("oversized payload: body over 4,096 characters", "content.body", b -> b.body("B".repeat(100_000))));
    t.add(new Case("oversized payload: FCM data over 4,096 bytes", "content.data", null, h -> {
      Content c = Content.builder().title("t").data("blob", "x".repeat(5_000)).build();
      FcmTransport.validateContent(c);
      h.herald.enqueue(Notification.builder("k1").recipient(Recipient.id("member-1")).content(c).build());
    }));
    t.add(new Case("FCM data key reserved by FCM", "content.data.google.c.a.e", null, h -> {
      Content c = Content.builder().title("t").data("google.c.a.e", "1").build();
      FcmTransport.validateContent(c);
      h.herald.enqueue(Notification.builder("k1").recipient(Recipient.id("member-1")).content(c).build());
    }));
    t.add(note("TTL negative", "options.timeToLive", b -> b.timeToLive(Duration.ofSeconds(-1))));
    t.add(note("TTL of 29 days", "options.timeToLive", b -> b.timeToLive(Duration.ofDays(29))));
    t.add(note("urgency missing", "options.urgency", b -> b.urgency(null)));
    t.add(note("Topic of 33 characters", "options.collapseKey", b -> b.collapseKey("a".repeat(33))));
    t.add(note("Topic with SQL metacharacters", "options.collapseKey", b -> b.collapseKey("x';DROP--")));
    t.add(note("Topic with base64 padding", "options.collapseKey", b -> b.collapseKey("YWJj=")));
    t.add(note("image over plain http", "content.image", b -> b.image(URI.create("http://cdn.example.net/a.png"))));
    t.add(note("click URL relative", "content.clickUrl", b -> b.clickUrl(URI.create("../admin"))));
    t.add(note("expiry before notBefore", "expiresAt",
        b -> b.notBefore(Instant.parse("2030-01-02T00:00:00Z")).expiresAt(Instant.parse("2030-01-01T00:00:00Z"))));
    t.add(note("data entry without a value", "content.data." + SQL, b -> b.data(nullValue(SQL))));
    t.add(new Case("no content at all", "content.title", null,
        h -> h.herald.enqueue(Notification.builder("k1").recipient(Recipient.id("member-1")).build())));
    t.add(new Case("urgency from an unknown header value", "options.urgency", null,
        h -> h.herald.enqueue(Notification.builder("k1").recipient(Recipient.id("member-1")).title("t")
            .urgency(urgencyFromHeader("immediately")).build())));
    // A service-account file pasted by an operator.
    String sa = serviceAccount(2048);
    t.add(account("service account: malformed JSON", "json", "{\"type\": \"service_account\", \"project_id\": "));
    t.add(account("service account: truncated in the middle of the key", "json", sa.substring(0, sa.length() / 2)));
    t.add(account("service account: not an object", "json", "[1, 2, 3]"));
    t.add(account("service account: private key PEM truncated", "private_key",
        edit(sa, "private_key", pem -> pem.substring(0, pem.length() / 2) + "\n-----END PRIVATE KEY-----\n")));
    t.add(account("service account: PKCS#1 key", "private_key",
        edit(sa, "private_key", pem -> pem.replace("BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY"))));
    t.add(account("service account: 1024-bit key", "private_key", serviceAccount(1024)));
    t.add(account("service account: token_uri to a remote plain-http host", "token_uri",
        edit(sa, "token_uri", u -> "http://tokens.attacker.example/token")));
    t.add(account("service account: token_uri to a host name that only starts like 127.", "token_uri",
        edit(sa, "token_uri", u -> "http://127.attacker.example/token")));
    t.add(account("service account: token_uri at the cloud metadata address", "token_uri",
        edit(sa, "token_uri", u -> "https://169.254.169.254/computeMetadata/v1/token")));
    t.add(account("service account: project_id with SQL", "project_id", edit(sa, "project_id", p -> SQL)));
    t.add(account("service account: client_email not an address", "client_email", edit(sa, "client_email", e -> "root")));
    t.add(account("service account: wrong credential type", "type", edit(sa, "type", x -> "authorized_user")));
    t.add(account("service account: private key missing", "private_key", edit(sa, "private_key", x -> null)));
    t.add(new Case("service account: over 64 KB", "json", null, h -> ServiceAccount.fromStream(
        new ByteArrayInputStream(("{\"pad\": \"" + "x".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8)))));
    // VAPID keys loaded from configuration.
    VapidKeys other = VapidKeys.generate();
    VapidKeys mine = VapidKeys.generate();
    t.add(new Case("VAPID public key off the curve", "publicKey", null,
        h -> VapidKeys.fromBase64Url(b64(point(1, 1)), mine.privateKeyBase64Url())));
    t.add(new Case("VAPID public key of another private key", "publicKey", null,
        h -> VapidKeys.fromBase64Url(other.publicKeyBase64Url(), mine.privateKeyBase64Url())));
    return t;
  }

  private static Case sub(String name, String field, String secret, String p256dh, String auth) {
    return sub(name, field, secret, GOOD_ENDPOINT, p256dh, auth);
  }

  private static Case sub(String name, String field, String secret, String endpoint, String p256dh, String auth) {
    return new Case(name, field, secret, h -> {
      DeviceTarget t = new DeviceTarget.WebPushSubscription(endpoint, p256dh, auth);
      h.herald.devices().register("member-1", t);
    });
  }

  private static Case device(String name, String field, java.util.function.Supplier<DeviceTarget> target) {
    return new Case(name, field, null, h -> h.herald.devices().register("member-1", target.get()));
  }

  private static Case note(String name, String field,
      java.util.function.UnaryOperator<Notification.Builder> edit) {
    return new Case(name, field, null, h -> {
      Notification.Builder b = Notification.builder("k1").recipient(Recipient.id("member-1")).title("t");
      Notification.Builder edited = edit.apply(b);
      if (edited != b) {
        edited.recipient(Recipient.id("member-1")).title("t");
      }
      h.herald.enqueue(edited.build());
    });
  }

  private static Case account(String name, String field, String json) {
    return new Case(name, field, "PRIVATE KEY-----\nMII", h -> {
      ServiceAccount account = ServiceAccount.fromJson(json);
      FcmTransport.builder().serviceAccount(account).build().close();
    });
  }

  private static Urgency urgencyFromHeader(String value) {
    for (Urgency u : Urgency.values()) {
      if (u.headerValue().equals(value)) {
        return u;
      }
    }
    return null; // what a host's naive mapping of an unknown value gives
  }

  private static Map<String, String> nullValue(String key) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(key, null);
    return m;
  }

  private static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static byte[] point(int x, int y) {
    byte[] p = new byte[65];
    p[0] = 4;
    p[32] = (byte) x;
    p[64] = (byte) y;
    return p;
  }

  private static byte[] compressed() {
    byte[] full = Base64.getUrlDecoder().decode(GOOD_P256DH);
    byte[] c = new byte[33];
    c[0] = 2;
    System.arraycopy(full, 1, c, 1, 32);
    return c;
  }

  private static String serviceAccount(int bits) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(bits);
      String pem = "-----BEGIN PRIVATE KEY-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
              .encodeToString(g.generateKeyPair().getPrivate().getEncoded())
          + "\n-----END PRIVATE KEY-----\n";
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", "service_account");
      m.put("project_id", "herald-hostile");
      m.put("private_key_id", "k1");
      m.put("private_key", pem);
      m.put("client_email", "herald@herald-hostile.iam.gserviceaccount.com");
      m.put("token_uri", "https://oauth2.googleapis.com/token");
      return JSONObjectUtils.toJSONString(m);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String edit(String json, String field, java.util.function.UnaryOperator<String> change) {
    try {
      Map<String, Object> m = new LinkedHashMap<>(JSONObjectUtils.parse(json));
      String v = change.apply((String) m.get(field));
      if (v == null) {
        m.remove(field);
      } else {
        m.put(field, v);
      }
      return JSONObjectUtils.toJSONString(m);
    } catch (java.text.ParseException e) {
      throw new IllegalStateException(e);
    }
  }
}
