package dev.herald.webpush;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Loads the published test vectors from the test resources. */
final class Vectors {
  private Vectors() {}

  static Map<String, Object> load(String name) {
    try (InputStream in = Vectors.class.getResourceAsStream("/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + name);
      }
      return JSONObjectUtils.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException | java.text.ParseException e) {
      throw new UncheckedIOException(new IOException(e));
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> object(Map<String, Object> m, String key) {
    return (Map<String, Object>) m.get(key);
  }

  static byte[] bytes(Map<String, Object> m, String key) {
    return unb64((String) m.get(key));
  }

  static String b64(byte[] b) {
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static byte[] unb64(String s) {
    return java.util.Base64.getUrlDecoder().decode(s);
  }
}
