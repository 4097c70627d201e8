package dev.herald;

import dev.herald.internal.Checks;
import dev.herald.internal.Redact;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A notification to deliver: immutable, validated at construction.
 *
 * <p>The idempotency key is what makes delivery "once": enqueueing a key that is already known is a
 * no-op that reports the existing notification, and the id every message carries (and, unless the
 * host names a collapse key, its display tag) is derived from it, so that a repeat replaces rather
 * than adds (see {@link CollapseKeys}).
 *
 * <pre>{@code
 * Notification n = Notification.builder("schedule-42:starts")
 *     .recipient(Recipient.id("member-7"))
 *     .title("Your schedule starts now")
 *     .body("Standup in room 3")
 *     .data("scheduleId", "42")
 *     .notBefore(startsAt)
 *     .expiresAt(startsAt.plus(Duration.ofMinutes(15)))
 *     .build();
 * }</pre>
 *
 * @param idempotencyKey 1 to 255 characters without control or format characters (such as U+202E)
 *     or unpaired surrogates, unique per intended notification
 * @param recipient a recipient id (expanded at due time) or one explicit device
 * @param content what is shown and sent
 * @param options time to live, urgency, collapse key
 * @param notBefore never sent before this instant; null means "now"; within {@link #MIN_INSTANT} and
 *     {@link #MAX_INSTANT}
 * @param expiresAt never sent at or after this instant; null means "no limit beyond the retry policy";
 *     within {@link #MIN_INSTANT} and {@link #MAX_INSTANT}
 */
public record Notification(String idempotencyKey, Recipient recipient, Content content, DeliveryOptions options,
    Instant notBefore, Instant expiresAt) {

  /** Longest idempotency key accepted. */
  public static final int MAX_KEY_LENGTH = 255;

  /**
   * Earliest {@code notBefore} or {@code expiresAt} accepted: the first instant of year 1. Every
   * supported database stores the whole range from here to {@link #MAX_INSTANT}; an instant outside
   * it is refused when the notification is built, so that it can never fail inside the host's
   * transaction.
   */
  public static final Instant MIN_INSTANT = Instant.parse("0001-01-01T00:00:00Z");

  /** Latest {@code notBefore} or {@code expiresAt} accepted: the last second of year 9999. */
  public static final Instant MAX_INSTANT = Instant.parse("9999-12-31T23:59:59Z");

  /** Validates every field together; throws {@link InvalidInputException} listing each problem. */
  public Notification {
    Checks c = Checks.of("");
    checkKey(c, idempotencyKey);
    c.required(recipient, "recipient");
    c.required(content, "content");
    c.required(options, "options");
    checkWindow(c, notBefore, expiresAt);
    c.throwIfInvalid("notification");
  }

  /** Starts a builder for a notification with this idempotency key. */
  public static Builder builder(String idempotencyKey) {
    return new Builder(idempotencyKey);
  }

  /** The display tag: the explicit collapse key, or the id derived from the idempotency key. */
  public String collapseKey() {
    return CollapseKeys.effective(idempotencyKey, options);
  }

  @Override
  public String toString() {
    return "Notification[key=" + Redact.quote(idempotencyKey, 64) + ", recipient=" + recipient
        + ", notBefore=" + notBefore + ", expiresAt=" + expiresAt + "]";
  }

  private static void checkKey(Checks c, String key) {
    if (c.required(key, "idempotencyKey")) {
      c.check(!key.isEmpty() && key.length() <= MAX_KEY_LENGTH, "idempotencyKey",
          "must be 1-" + MAX_KEY_LENGTH + " characters: length " + key.length());
      c.check(Checks.identifier(key), "idempotencyKey",
          "must not contain control or format characters or unpaired surrogates: " + Redact.quote(key, 40));
    }
  }

  private static void checkWindow(Checks c, Instant notBefore, Instant expiresAt) {
    boolean inRange = checkInstant(c, "notBefore", notBefore) & checkInstant(c, "expiresAt", expiresAt);
    if (inRange && notBefore != null && expiresAt != null) {
      c.check(expiresAt.isAfter(notBefore), "expiresAt", "must be after notBefore: " + expiresAt + " <= " + notBefore);
    }
  }

  private static boolean checkInstant(Checks c, String field, Instant t) {
    return t == null || c.check(!t.isBefore(MIN_INSTANT) && !t.isAfter(MAX_INSTANT), field,
        "must be between " + MIN_INSTANT + " and " + MAX_INSTANT + ": " + t);
  }

  /**
   * Builds a {@link Notification}. Every problem, including those of the content and options, is
   * reported by {@link #build()} in one {@link InvalidInputException}. Not thread-safe.
   */
  public static final class Builder {
    private final String idempotencyKey;
    private Recipient recipient;
    private Content content;
    private String title;
    private String body;
    private final Map<String, String> data = new LinkedHashMap<>();
    private URI image;
    private URI clickUrl;
    private Duration timeToLive = DeliveryOptions.DEFAULT_TTL;
    private Urgency urgency = Urgency.NORMAL;
    private String collapseKey;
    private Instant notBefore;
    private Instant expiresAt;

    private Builder(String idempotencyKey) {
      this.idempotencyKey = idempotencyKey;
    }

    /** Who receives it; required. */
    public Builder recipient(Recipient recipient) {
      this.recipient = recipient;
      return this;
    }

    /** Complete content; replaces any title, body, data, image or click URL set here. */
    public Builder content(Content content) {
      this.content = content;
      return this;
    }

    /** The headline. */
    public Builder title(String title) {
      this.title = title;
      return this;
    }

    /** The text. */
    public Builder body(String body) {
      this.body = body;
      return this;
    }

    /** Adds one data entry. */
    public Builder data(String key, String value) {
      this.data.put(key, value);
      return this;
    }

    /** Adds all data entries. */
    public Builder data(Map<String, String> entries) {
      this.data.putAll(entries);
      return this;
    }

    /** An https image URL. */
    public Builder image(URI image) {
      this.image = image;
      return this;
    }

    /** The URL opened on click. */
    public Builder clickUrl(URI clickUrl) {
      this.clickUrl = clickUrl;
      return this;
    }

    /** How long a push service keeps it for an offline device; default one day. */
    public Builder timeToLive(Duration ttl) {
      this.timeToLive = ttl;
      return this;
    }

    /** Urgency or priority; default {@link Urgency#NORMAL}. */
    public Builder urgency(Urgency urgency) {
      this.urgency = urgency;
      return this;
    }

    /**
     * A collapse key for the push service: only the latest pending message with it is kept for an
     * offline device (FCM keeps at most four different keys per device), and it is also the display
     * tag. Default none: every message is kept, and the display tag comes from the idempotency key.
     */
    public Builder collapseKey(String collapseKey) {
      this.collapseKey = collapseKey;
      return this;
    }

    /** Never send before this instant (a scheduled notification); default "as soon as possible". */
    public Builder notBefore(Instant notBefore) {
      this.notBefore = notBefore;
      return this;
    }

    /** Never send at or after this instant; default none. */
    public Builder expiresAt(Instant expiresAt) {
      this.expiresAt = expiresAt;
      return this;
    }

    /** Validates everything and builds; or every problem at once. */
    public Validated<Notification> validate() {
      Checks c = Checks.of("");
      checkKey(c, idempotencyKey);
      c.required(recipient, "recipient");
      Content built = content != null ? content
          : c.merge(Content.validate("content", title, body, data, image, clickUrl));
      DeliveryOptions opts = c.merge(DeliveryOptions.validate("options", timeToLive, urgency, collapseKey));
      checkWindow(c, notBefore, expiresAt);
      return c.result(() -> new Notification(idempotencyKey, recipient, built, opts, notBefore, expiresAt));
    }

    /** Builds; throws {@link InvalidInputException} listing every invalid field. */
    public Notification build() {
      return Checks.orThrow(validate(), "notification");
    }
  }
}
