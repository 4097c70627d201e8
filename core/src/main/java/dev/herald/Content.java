package dev.herald;

import dev.herald.internal.Checks;
import dev.herald.internal.Redact;
import dev.herald.internal.Texts;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the user sees and what the app receives: a title, a body, a string data map, an optional
 * image and a URL to open on click. At least one of title, body or data must be present.
 *
 * <p>No text may hold an unpaired UTF-16 surrogate: UTF-8 has no form for one, so it would reach
 * the device (and the database) as {@code ?}.
 *
 * @param title the headline, at most {@value #MAX_TITLE} characters; may be null
 * @param body the text, at most {@value #MAX_BODY} characters; may be null
 * @param data app data, string to string; never null (empty when absent), iteration order kept; the
 *     key {@value CollapseKeys#ID_DATA_KEY} is Herald's (every message carries its id there)
 * @param image an absolute https image URL; may be null
 * @param clickUrl an absolute https or http URL (with a host) to open when the notification is
 *     clicked; other schemes ({@code javascript:}, {@code data:}, {@code intent:}) are refused; may be null
 */
public record Content(String title, String body, Map<String, String> data, URI image, URI clickUrl) {
  /** Longest title accepted. */
  public static final int MAX_TITLE = 1024;
  /** Longest body accepted. */
  public static final int MAX_BODY = 4096;

  private static final String UNPAIRED = "must not contain unpaired surrogates (UTF-8 cannot encode them)";

  /** Validates and copies the data map. */
  public Content {
    Checks.orThrow(check("", title, body, data, image, clickUrl), "content");
    data = data == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(data));
  }

  /** A title and body, no data. */
  public static Content of(String title, String body) {
    return new Content(title, body, Map.of(), null, null);
  }

  /** A builder for the optional parts. */
  public static Builder builder() {
    return new Builder();
  }

  /** Validates without throwing; problem paths start with {@code prefix}. */
  public static Validated<Content> validate(String prefix, String title, String body,
      Map<String, String> data, URI image, URI clickUrl) {
    return check(prefix, title, body, data, image, clickUrl)
        .map(ok -> new Content(title, body, data, image, clickUrl));
  }

  private static Validated<Boolean> check(String prefix, String title, String body,
      Map<String, String> data, URI image, URI clickUrl) {
    Checks c = Checks.of(prefix);
    if (title != null && c.check(title.length() <= MAX_TITLE, "title",
        "must be at most " + MAX_TITLE + " characters: " + title.length())) {
      c.check(Texts.wellFormed(title), "title", UNPAIRED);
    }
    if (body != null && c.check(body.length() <= MAX_BODY, "body",
        "must be at most " + MAX_BODY + " characters: " + body.length())) {
      c.check(Texts.wellFormed(body), "body", UNPAIRED);
    }
    boolean hasData = data != null && !data.isEmpty();
    c.check((title != null && !title.isEmpty()) || (body != null && !body.isEmpty()) || hasData,
        "title", "title, body or data must be present");
    if (data != null) {
      for (Map.Entry<String, String> e : data.entrySet()) {
        if (e.getKey() == null || e.getKey().isEmpty()) {
          c.add("data", "keys must not be empty");
        } else if (!Texts.wellFormed(e.getKey())) {
          c.add("data", "keys " + UNPAIRED + ": " + Redact.quote(e.getKey(), 40));
        } else if (e.getValue() == null) {
          c.add("data." + e.getKey(), "must not be null");
        } else if (e.getKey().equals(CollapseKeys.ID_DATA_KEY)) {
          c.add("data." + e.getKey(), "is set by Herald to the notification's id: choose another key");
        } else if (!Texts.wellFormed(e.getValue())) {
          c.add("data." + e.getKey(), UNPAIRED);
        }
      }
    }
    if (image != null) {
      c.check("https".equalsIgnoreCase(image.getScheme()) && image.getHost() != null, "image",
          "must be an absolute https URL: " + Redact.quote(image.toString(), 80));
    }
    if (image != null) {
      c.check(Texts.wellFormed(image.toString()), "image", UNPAIRED);
    }
    if (clickUrl != null) {
      String scheme = clickUrl.getScheme();
      c.check(("https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme)) && clickUrl.getHost() != null
              && Texts.wellFormed(clickUrl.toString()), "clickUrl",
          "must be an absolute https or http URL: " + Redact.quote(clickUrl.toString(), 80));
    }
    return c.result(() -> Boolean.TRUE);
  }

  /** Builds {@link Content}; each setter replaces the previous value. Not thread-safe. */
  public static final class Builder {
    private String title;
    private String body;
    private final Map<String, String> data = new LinkedHashMap<>();
    private URI image;
    private URI clickUrl;

    private Builder() {}

    /** The headline; default none. */
    public Builder title(String title) {
      this.title = title;
      return this;
    }

    /** The text; default none. */
    public Builder body(String body) {
      this.body = body;
      return this;
    }

    /** Adds one data entry. */
    public Builder data(String key, String value) {
      this.data.put(key, value);
      return this;
    }

    /** Adds all entries. */
    public Builder data(Map<String, String> entries) {
      this.data.putAll(entries);
      return this;
    }

    /** An https image URL; default none. */
    public Builder image(URI image) {
      this.image = image;
      return this;
    }

    /** The URL opened on click; default none. */
    public Builder clickUrl(URI clickUrl) {
      this.clickUrl = clickUrl;
      return this;
    }

    /** Validates and builds; throws {@link InvalidInputException} listing every invalid field. */
    public Content build() {
      return new Content(title, body, data, image, clickUrl);
    }

    Validated<Content> validate(String prefix) {
      return Content.validate(prefix, title, body, data, image, clickUrl);
    }
  }
}
