package dev.herald.console.internal;

import dev.herald.Channel;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.console.ConsoleAuthorization;
import dev.herald.console.ConsoleRequest;
import dev.herald.console.EngineStatus;
import dev.herald.outbox.jdbc.DeadLetter;
import dev.herald.outbox.jdbc.DeadLetterCount;
import dev.herald.outbox.jdbc.DeadLetterQuery;
import dev.herald.outbox.jdbc.NotificationDetail;
import dev.herald.outbox.jdbc.OutboxAdmin;
import dev.herald.outbox.jdbc.OutboxException;
import dev.herald.outbox.jdbc.OutboxOverview;
import dev.herald.outbox.jdbc.RecipientTimeline;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the console does, on a server-neutral {@link Exchange}: authorization, routing, the
 * pages and assets, the JSON API and the re-queue action with its CSRF check.
 *
 * <p>The order of checks on every request is fixed: the authorization hook (or, without one, the
 * loopback rule) before anything else, so that a refused request learns nothing, not even whether a
 * path exists; then the method; then, for an action, that actions are enabled, the request's origin
 * and its CSRF token; only then the outbox.
 */
public final class ConsoleHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleHandler.class);

  static final String CSRF_COOKIE = "herald_console_csrf";
  static final String CSRF_HEADER = "X-Herald-Csrf";
  private static final int MAX_QUERY = 4096;
  private static final int MAX_BODY = 32 * 1024;
  private static final int DEAD_PAGE = 50;
  private static final int TIMELINE_PAGE = 20;
  private static final int MAX_KEY = 255;

  private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
      + " connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  private static final Map<String, String[]> PAGES = Map.of(
      "/", new String[] {"overview", "Overview"},
      "/recipient", new String[] {"recipient", "Recipient"},
      "/dead", new String[] {"dead", "Dead letters"},
      "/notification", new String[] {"notification", "Notification"});

  private final OutboxAdmin admin;
  private final EngineStatus engine;
  private final ConsoleAuthorization authorization;
  private final boolean actionsEnabled;
  private final byte[] secret;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, byte[]> pages = new HashMap<>();
  private final Map<String, Asset> assets = new HashMap<>();

  private record Asset(String type, byte[] body) {}

  /** A handler; {@code authorization} may be null (loopback only). */
  public ConsoleHandler(OutboxAdmin admin, EngineStatus engine, ConsoleAuthorization authorization, boolean actionsEnabled,
      byte[] secret) {
    this.admin = admin;
    this.engine = engine;
    this.authorization = authorization;
    this.actionsEnabled = actionsEnabled;
    this.secret = secret.clone();
    String template = new String(resource("page.html"), StandardCharsets.UTF_8);
    PAGES.forEach((path, p) -> pages.put(path, template.replace("{{page}}", p[0]).replace("{{title}}", p[1])
        .getBytes(StandardCharsets.UTF_8)));
    assets.put("/assets/console.js", new Asset("text/javascript; charset=utf-8", resource("console.js")));
    assets.put("/assets/console.css", new Asset("text/css; charset=utf-8", resource("console.css")));
    assets.put("/assets/favicon.svg", new Asset("image/svg+xml", resource("favicon.svg")));
  }

  private static byte[] resource(String name) {
    try (InputStream in = ConsoleHandler.class.getResourceAsStream("/dev/herald/console/assets/" + name)) {
      if (in == null) {
        throw new IllegalStateException("the console's resource " + name + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether actions (re-queue) are enabled. */
  public boolean actionsEnabled() {
    return actionsEnabled;
  }

  /** Whether a host authorization hook is configured. */
  public boolean authorized() {
    return authorization != null;
  }

  // ---------------------------------------------------------------- dispatch

  /** Handles one request; never throws for anything the request did. */
  public void handle(Exchange x) throws IOException {
    Response r;
    try {
      r = dispatch(x);
    } catch (RuntimeException e) {
      LOG.error("Herald console: {} {} failed", x.method(), x.path(), e);
      r = error(500, "the console failed on this request; the host's log has the details");
    }
    x.respond(r.status, r.headers, r.body);
  }

  private Response dispatch(Exchange x) {
    String path = x.path();
    boolean action = path.equals("/api/dead/requeue");
    if (!permitted(x, path, action)) {
      return error(403, authorization == null
          ? "the Herald console without an authorization hook answers loopback requests only"
          : "not permitted");
    }
    String method = x.method();
    if (path.isEmpty()) {
      // The pages use relative links: they need the mount point with its trailing slash.
      String mount = x.mountPath();
      String last = mount.substring(mount.lastIndexOf('/') + 1);
      Response r = new Response(308, new byte[0]);
      r.header("Location", last.isEmpty() ? "./" : last + "/");
      return r;
    }
    if (action) {
      if (!method.equals("POST")) {
        return error(405, "use POST").header("Allow", "POST");
      }
      return requeue(x);
    }
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return error(405, "the console's pages and API are read with GET").header("Allow", "GET, HEAD");
    }
    String raw = x.rawQuery();
    if (raw != null && raw.length() > MAX_QUERY) {
      return error(414, "query string longer than " + MAX_QUERY + " characters");
    }
    byte[] page = pages.get(path);
    if (page != null) {
      return new Response(200, page).header("Content-Type", "text/html; charset=utf-8");
    }
    Asset asset = assets.get(path);
    if (asset != null) {
      return new Response(200, asset.body()).header("Content-Type", asset.type());
    }
    Map<String, String> q;
    try {
      q = params(raw);
    } catch (IllegalArgumentException e) {
      return error(400, "malformed query string");
    }
    try {
      return switch (path) {
        case "/api/session" -> session(x);
        case "/api/overview" -> json(overview());
        case "/api/recipient" -> recipient(q);
        case "/api/notification" -> notification(q);
        case "/api/dead" -> deadLetters(q);
        case "/api/dead/count" -> countDead(q);
        default -> error(404, "no such page");
      };
    } catch (BadRequest e) {
      return error(400, e.getMessage());
    } catch (OutboxException e) {
      LOG.warn("Herald console: the outbox could not be read for {}: {}", path, e.toString());
      return error(503, "the outbox database is unavailable; try again shortly (the host's log has the details)");
    }
  }

  private boolean permitted(Exchange x, String path, boolean action) {
    if (authorization == null) {
      InetAddress local = x.localAddress();
      InetAddress remote = x.remoteAddress();
      return local != null && remote != null && local.isLoopbackAddress() && remote.isLoopbackAddress();
    }
    try {
      return authorization.permits(new Request(x, path, action));
    } catch (RuntimeException e) {
      LOG.warn("Herald console: the authorization hook threw on {} {}; refused", x.method(), path, e);
      return false;
    }
  }

  private record Request(Exchange x, String path, boolean action) implements ConsoleRequest {
    @Override
    public String method() {
      return x.method();
    }

    @Override
    public Optional<String> header(String name) {
      return x.header(name);
    }

    @Override
    public InetAddress remoteAddress() {
      return x.remoteAddress();
    }

    @Override
    public <T> Optional<T> unwrap(Class<T> type) {
      return x.unwrap(type);
    }
  }

  // ---------------------------------------------------------------- session and CSRF

  private Response session(Exchange x) {
    String cookie = cookie(x, CSRF_COOKIE);
    Response r = new Response(200, new byte[0]);
    if (cookie == null || cookie.length() != 43) {
      byte[] b = new byte[32];
      random.nextBytes(b);
      cookie = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
      String mount = x.mountPath().isEmpty() ? "/" : x.mountPath();
      r.header("Set-Cookie", CSRF_COOKIE + "=" + cookie + "; Path=" + mount + "; HttpOnly; SameSite=Strict"
          + (x.secure() ? "; Secure" : ""));
    }
    Json j = new Json().open()
        .field("actionsEnabled", actionsEnabled)
        .field("csrfToken", actionsEnabled ? token(cookie) : null)
        .field("engineAttached", engine.attached())
        .close();
    return r.json(j);
  }

  private String token(String cookie) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(cookie.getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** Why an action request is refused before it reaches the outbox, or null when it may proceed. */
  private String forged(Exchange x) {
    String origin = x.header("Origin").orElse(null);
    if (origin != null) {
      String host = x.header("Host").orElse("");
      String originHost;
      try {
        URI u = new URI(origin);
        originHost = u.getRawAuthority();
      } catch (java.net.URISyntaxException e) {
        originHost = null;
      }
      if (originHost == null || !originHost.equalsIgnoreCase(host)) {
        return "cross-origin request refused";
      }
    }
    String site = x.header("Sec-Fetch-Site").orElse(null);
    if (site != null && !site.equals("same-origin")) {
      return "cross-site request refused";
    }
    String cookie = cookie(x, CSRF_COOKIE);
    String sent = x.header(CSRF_HEADER).orElse(null);
    if (cookie == null || sent == null
        || !MessageDigest.isEqual(token(cookie).getBytes(StandardCharsets.US_ASCII), sent.getBytes(StandardCharsets.US_ASCII))) {
      return "missing or invalid CSRF token: reload the page";
    }
    String type = x.header("Content-Type").orElse("");
    if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
      return "actions take application/x-www-form-urlencoded";
    }
    return null;
  }

  private static String cookie(Exchange x, String name) {
    String header = x.header("Cookie").orElse(null);
    if (header == null) {
      return null;
    }
    for (String part : header.split(";")) {
      int eq = part.indexOf('=');
      if (eq > 0 && part.substring(0, eq).trim().equals(name)) {
        return part.substring(eq + 1).trim();
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- the action

  private Response requeue(Exchange x) {
    if (!actionsEnabled) {
      return error(403, "actions are disabled: this console is read-only");
    }
    String refused = forged(x);
    if (refused != null) {
      return error(403, refused);
    }
    byte[] body;
    try {
      body = x.body(MAX_BODY);
    } catch (IOException e) {
      return error(400, "could not read the request body");
    }
    if (body == null) {
      return error(413, "request body larger than " + MAX_BODY + " bytes");
    }
    Map<String, String> form;
    try {
      form = params(new String(body, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      return error(400, "malformed form body");
    }
    try {
      DeadLetterQuery query;
      if (form.containsKey("ids")) {
        List<Long> ids = new ArrayList<>();
        for (String s : form.get("ids").split(",")) {
          if (!s.isBlank()) {
            ids.add(parseId(s.trim(), "ids"));
          }
        }
        if (ids.isEmpty()) {
          throw new BadRequest("ids must name at least one delivery");
        }
        if (ids.size() > DeadLetterQuery.MAX_DELIVERY_IDS) {
          throw new BadRequest("ids must name at most " + DeadLetterQuery.MAX_DELIVERY_IDS + " deliveries: " + ids.size());
        }
        query = DeadLetterQuery.byDeliveryIds(ids).withLimit(DeadLetterQuery.MAX_DELIVERY_IDS);
      } else if ("1".equals(form.get("match"))) {
        // What the operator confirmed: the letters that matched when they were counted, no later ones.
        Instant asOf = instant(form, "asOf");
        if (asOf == null) {
          throw new BadRequest("asOf is required with match: the time of the count the operator confirmed");
        }
        DeadLetterQuery filter = filter(form);
        Instant before = filter.diedBefore() == null || asOf.isBefore(filter.diedBefore()) ? asOf : filter.diedBefore();
        if (filter.diedFrom() != null && !before.isAfter(filter.diedFrom())) {
          return json(new Json().open().field("requeued", 0).close());
        }
        query = filter.withDiedBetween(filter.diedFrom(), before).withLimit(DeadLetterQuery.MAX_LIMIT);
      } else {
        throw new BadRequest("name the dead letters: ids=1,2,3 or match=1 with the filters and asOf");
      }
      int n = admin.requeue(query);
      LOG.info("Herald console: re-queued {} dead letters ({} from {})", n, form.containsKey("ids") ? "selected" : "matching",
          x.remoteAddress() == null ? "?" : x.remoteAddress().getHostAddress());
      return json(new Json().open().field("requeued", n).close());
    } catch (BadRequest e) {
      return error(400, e.getMessage());
    } catch (OutboxException e) {
      LOG.warn("Herald console: re-queue failed: {}", e.toString());
      return error(503, "the outbox database is unavailable; nothing was re-queued if this persists (the host's log has the details)");
    }
  }

  // ---------------------------------------------------------------- reads

  private String overview() {
    OutboxOverview o = admin.overview();
    Map<String, EngineStatus.ChannelStatus> engineChannels = new TreeMap<>();
    for (EngineStatus.ChannelStatus s : safeEngineChannels()) {
      engineChannels.put(s.channel().name(), s);
    }
    Map<String, OutboxOverview.ChannelSummary> rows = new TreeMap<>();
    o.channels().forEach(c -> rows.put(c.channel().name(), c));
    java.util.Set<String> names = new java.util.TreeSet<>(rows.keySet());
    names.addAll(engineChannels.keySet());
    Json j = new Json().open().field("at", o.at()).field("engineAttached", engine.attached())
        .field("partial", o.partial()).field("countCap", OutboxOverview.COUNT_CAP);
    j.name("channels").openArray();
    for (String name : names) {
      OutboxOverview.ChannelSummary c = rows.get(name);
      j.open().field("channel", name);
      j.field("pending", c == null ? 0 : c.pending()).field("dueNow", c == null ? 0 : c.dueNow())
          .field("retrying", c == null ? 0 : c.retrying()).field("inFlight", c == null ? 0 : c.inFlight())
          .field("dead", c == null ? 0 : c.dead()).field("deliveredLastHour", c == null ? 0 : c.deliveredRecently())
          .field("deadLastHour", c == null ? 0 : c.deadRecently()).field("goneLastHour", c == null ? 0 : c.goneRecently());
      j.name("oldestDueAgeMs").millis(c == null ? java.time.Duration.ZERO : c.oldestDueAge());
      EngineStatus.ChannelStatus s = engineChannels.get(name);
      j.name("engine");
      if (s == null) {
        j.value((String) null);
      } else {
        j.open().field("paused", s.paused()).field("reason", s.reason()).field("nextProbe", s.nextProbe())
            .field("valveTripped", s.valveTripped());
        j.name("pausedScopes").openArray();
        for (EngineStatus.ScopeStatus p : s.pausedScopes()) {
          j.open().field("scope", p.scope()).field("reason", p.reason()).field("nextProbe", p.nextProbe())
              .field("valveTripped", p.valveTripped()).close();
        }
        j.closeArray();
        j.close();
      }
      j.close();
    }
    j.closeArray();
    j.field("awaitingExpansion", o.awaitingExpansion()).name("oldestExpansionDueMs").millis(o.oldestExpansionDue());
    j.field("throughputMinutes", OutboxOverview.THROUGHPUT_MINUTES);
    j.name("throughput").openArray();
    for (OutboxOverview.Minute m : o.throughput()) {
      j.open().field("minute", m.start()).field("channel", m.channel().name()).field("delivered", m.delivered())
          .field("failed", m.failed()).close();
    }
    j.closeArray();
    return j.close().toString();
  }

  private List<EngineStatus.ChannelStatus> safeEngineChannels() {
    try {
      List<EngineStatus.ChannelStatus> l = engine.channels();
      return l == null ? List.of() : l;
    } catch (RuntimeException e) {
      LOG.warn("Herald console: the engine status threw; showing the outbox alone", e);
      return List.of();
    }
  }

  private Response recipient(Map<String, String> q) {
    String id = q.get("id");
    if (id == null || id.isEmpty()) {
      throw new BadRequest("id is required: the recipient id");
    }
    recipientId(id);
    Long before = q.containsKey("before") ? parseId(q.get("before"), "before") : null;
    RecipientTimeline t = admin.recipientTimeline(id, before, TIMELINE_PAGE);
    Json j = new Json().open().field("recipientId", t.recipientId());
    j.name("notifications").openArray();
    t.notifications().forEach(n -> notification(j, n));
    j.closeArray();
    j.name("nextBefore");
    if (t.nextBefore() == null) {
      j.value((String) null);
    } else {
      j.value(t.nextBefore());
    }
    j.name("devices").openArray();
    for (Device d : t.devices()) {
      j.open().field("channel", d.target().channel().name()).field("kind", d.target().kind())
          .field("target", target(d.target())).field("status", d.status().name())
          .field("registeredAt", d.registeredAt()).field("lastSeenAt", d.lastSeenAt())
          .field("invalidatedAt", d.invalidatedAt()).field("invalidReason", d.invalidReason()).close();
    }
    j.closeArray().field("moreDevices", t.moreDevices());
    return json(j.close());
  }

  private Response notification(Map<String, String> q) {
    Optional<NotificationDetail> n;
    String key = q.get("key");
    String id = q.get("id");
    if (key != null && !key.isEmpty()) {
      if (key.length() > MAX_KEY) {
        throw new BadRequest("key must be at most " + MAX_KEY + " characters: " + key.length());
      }
      n = admin.notification(key);
    } else if (id != null && !id.isEmpty()) {
      n = admin.notification(parseId(id, "id"));
    } else {
      throw new BadRequest("key or id is required");
    }
    if (n.isEmpty()) {
      return error(404, "no notification with this " + (key != null && !key.isEmpty() ? "key" : "id"));
    }
    Json j = new Json().open().name("notification");
    notification(j, n.get());
    return json(j.close());
  }

  private static void notification(Json j, NotificationDetail n) {
    j.open().field("id", n.notificationId()).field("key", n.idempotencyKey()).field("recipientId", n.recipientId())
        .field("state", n.state().name()).field("reason", n.reason()).field("title", n.title())
        .field("enqueuedAt", n.enqueuedAt()).field("dueAt", n.dueAt()).field("expiresAt", n.expiresAt())
        .field("finishedAt", n.finishedAt()).field("deliveryCount", n.deliveryCount());
    j.name("deliveries").openArray();
    for (NotificationDetail.DeliveryDetail d : n.deliveries()) {
      j.open().field("id", d.deliveryId()).field("channel", d.channel().name())
          .field("kind", d.target() == null ? null : d.target().kind()).field("target", target(d.target()))
          .field("state", d.state().name()).field("attempts", d.attempts()).field("lastError", d.lastError())
          .field("providerId", d.providerId()).field("nextAt", d.nextAt()).field("finishedAt", d.finishedAt())
          .field("leaseOwner", d.leaseOwner()).field("requeuedAt", d.requeuedAt()).close();
    }
    j.closeArray().close();
  }

  /** The device as the rest of Herald shows it: kind and a redacted address, never the token or endpoint. */
  private static String target(DeviceTarget t) {
    return t == null ? null : t.toString();
  }

  private Response deadLetters(Map<String, String> q) {
    DeadLetterQuery query = filter(q).orderNewestFirst().withLimit(DEAD_PAGE + 1);
    Instant afterAt = instant(q, "afterAt");
    String afterId = q.get("afterId");
    if ((afterAt == null) != (afterId == null || afterId.isEmpty())) {
      throw new BadRequest("afterAt and afterId go together");
    }
    if (afterAt != null) {
      query = query.after(afterAt, parseId(afterId, "afterId"));
    }
    List<DeadLetter> rows = admin.deadLetters(query);
    boolean more = rows.size() > DEAD_PAGE;
    if (more) {
      rows = rows.subList(0, DEAD_PAGE);
    }
    Json j = new Json().open().name("deadLetters").openArray();
    for (DeadLetter d : rows) {
      j.open().field("deliveryId", d.deliveryId()).field("notificationId", d.notificationId())
          .field("key", d.idempotencyKey()).field("recipientId", d.recipientId()).field("channel", d.channel().name())
          .field("attempts", d.attempts()).field("lastError", d.lastError()).field("enqueuedAt", d.enqueuedAt())
          .field("diedAt", d.diedAt()).close();
    }
    j.closeArray().name("next");
    if (more) {
      DeadLetter last = rows.get(rows.size() - 1);
      j.open().field("afterAt", last.diedAt()).field("afterId", last.deliveryId()).close();
    } else {
      j.value((String) null);
    }
    return json(j.close());
  }

  private Response countDead(Map<String, String> q) {
    DeadLetterCount c = admin.countDeadLetters(filter(q).withLimit(DeadLetterQuery.MAX_LIMIT));
    return json(new Json().open().field("count", c.count()).field("capped", c.capped()).field("at", c.at()).close());
  }

  /** The dead-letter filters shared by the list, the count and the re-queue of matching letters. */
  private static DeadLetterQuery filter(Map<String, String> q) {
    DeadLetterQuery query = DeadLetterQuery.all();
    String key = q.get("key");
    if (key != null && !key.isEmpty()) {
      if (key.length() > MAX_KEY) {
        throw new BadRequest("key must be at most " + MAX_KEY + " characters: " + key.length());
      }
      query = query.withKey(key);
    }
    String recipient = q.get("recipient");
    if (recipient != null && !recipient.isEmpty()) {
      recipientId(recipient);
      query = query.withRecipient(recipient);
    }
    String channel = q.get("channel");
    if (channel != null && !channel.isEmpty()) {
      try {
        query = query.withChannel(Channel.of(channel));
      } catch (IllegalArgumentException e) {
        throw new BadRequest(e.getMessage());
      }
    }
    Instant from = instant(q, "from");
    Instant before = instant(q, "before");
    try {
      return query.withDiedBetween(from, before);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e.getMessage());
    }
  }

  private static void recipientId(String id) {
    try {
      new dev.herald.Recipient.ById(id);
    } catch (InvalidInputException e) {
      throw new BadRequest("recipient id must be 1-255 printable characters");
    }
  }

  private static Instant instant(Map<String, String> q, String name) {
    String v = q.get(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      throw new BadRequest(name + " must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
    }
  }

  private static long parseId(String v, String name) {
    try {
      long id = Long.parseLong(v);
      if (id < 0) {
        throw new NumberFormatException();
      }
      return id;
    } catch (NumberFormatException e) {
      throw new BadRequest(name + " must be a non-negative integer");
    }
  }

  /** Decodes a query string or form body; the first value of a repeated name wins. */
  static Map<String, String> params(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.putIfAbsent(k, v);
    }
    return out;
  }

  private static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  // ---------------------------------------------------------------- responses

  private static final class Response {
    final int status;
    byte[] body;
    final List<Map.Entry<String, String>> headers = new ArrayList<>();

    Response(int status, byte[] body) {
      this.status = status;
      this.body = body;
      header("X-Content-Type-Options", "nosniff");
      header("X-Frame-Options", "DENY");
      header("Referrer-Policy", "no-referrer");
      header("Content-Security-Policy", CSP);
      header("Cross-Origin-Resource-Policy", "same-origin");
      header("Cache-Control", "no-store");
    }

    Response header(String name, String value) {
      headers.add(Map.entry(name, value));
      return this;
    }

    Response json(Json j) {
      body = j.toString().getBytes(StandardCharsets.UTF_8);
      return header("Content-Type", "application/json; charset=utf-8");
    }
  }

  private static Response json(String s) {
    Response r = new Response(200, s.getBytes(StandardCharsets.UTF_8));
    return r.header("Content-Type", "application/json; charset=utf-8");
  }

  private static Response json(Json j) {
    return json(j.toString());
  }

  private static Response error(int status, String message) {
    Response r = new Response(status, new byte[0]);
    return r.json(new Json().open().field("error", message).close());
  }
}
