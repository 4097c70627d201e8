package dev.herald.spring.boot.autoconfigure.internal;

import dev.herald.spring.boot.autoconfigure.HeraldStartupException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * Reads a credential property that holds either the credential itself or its location. The value
 * is a secret in the first case, so no message ever shows it; a location is shown only when it
 * plainly is one (a {@code file:} or {@code classpath:} prefix, or a file name ending).
 */
public final class Credentials {
  private static final int MAX_BYTES = 64 * 1024;

  private Credentials() {}

  /**
   * The credential text: {@code value} itself when {@code isContent} says it is the content, else
   * what the location holds.
   *
   * @param property the property it came from, for messages
   * @param contentMarker text that only the content contains ("{" for JSON, "-----BEGIN" for PEM)
   * @throws HeraldStartupException naming the property when the location cannot be read
   */
  public static String read(String property, String value, String contentMarker, ResourceLoader loader) {
    String v = value.strip();
    if (v.isEmpty()) {
      throw new HeraldStartupException(property + " is empty", List.of(property),
          "Set " + property + " to the credential itself or to its location (file:..., classpath:...), or remove it.", null);
    }
    if (v.contains(contentMarker)) {
      return v;
    }
    Resource r = loader.getResource(v);
    String shown = plainlyALocation(v) ? " " + v : " (the value is not shown: it may be a credential)";
    if (!r.exists() || !r.isReadable()) {
      throw new HeraldStartupException(property + " is neither the credential itself nor a readable location:" + shown,
          List.of(property), "Point " + property + " at an existing file (file:/path or a path) or classpath resource "
              + "(classpath:name), or set it to the credential's content.", null);
    }
    try (InputStream in = r.getInputStream()) {
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new HeraldStartupException(property + " points at more than " + MAX_BYTES + " bytes:" + shown,
            List.of(property), "Point " + property + " at the credential file itself.", null);
      }
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new HeraldStartupException("cannot read " + property + ":" + shown + ": " + e.getMessage(), List.of(property),
          "Make the file readable by the application.", e);
    }
  }

  static boolean plainlyALocation(String v) {
    String l = v.toLowerCase(Locale.ROOT);
    return l.startsWith("file:") || l.startsWith("classpath:") || l.endsWith(".json") || l.endsWith(".pem");
  }
}
