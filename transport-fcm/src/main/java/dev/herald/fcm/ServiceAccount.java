package dev.herald.fcm;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.InvalidInputException;
import dev.herald.internal.Checks;
import dev.herald.internal.IpAddresses;
import dev.herald.internal.Redact;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.text.ParseException;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A Google service account, as in the JSON key file downloaded from the Firebase console
 * (<i>Project settings → Service accounts → Generate new private key</i>). Herald uses it to sign
 * the OAuth2 assertion that buys the access token for FCM's HTTP v1 API.
 *
 * <p>Loading validates every field Herald needs and reports each invalid one at once in an
 * {@link InvalidInputException} whose field names are the JSON names ({@code project_id},
 * {@code client_email}, {@code private_key}, {@code token_uri}). The private key never appears in
 * {@link #toString()}, in a message or in a log.
 *
 * <pre>{@code
 * ServiceAccount account = ServiceAccount.fromFile(Path.of("/etc/herald/firebase-sa.json"));
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ServiceAccount {
  /** Largest service-account JSON accepted; real ones are about 2.4 KB. */
  public static final int MAX_JSON_BYTES = 64 * 1024;

  private static final Pattern PROJECT_ID = Pattern.compile("[a-z0-9][a-z0-9.:-]{0,99}");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+");
  private static final String PKCS8_BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String PKCS8_END = "-----END PRIVATE KEY-----";
  private static final int MIN_RSA_BITS = 2048;

  private final String projectId;
  private final String clientEmail;
  private final String privateKeyId;
  private final RSAPrivateKey privateKey;
  private final URI tokenUri;

  private ServiceAccount(String projectId, String clientEmail, String privateKeyId, RSAPrivateKey privateKey,
      URI tokenUri) {
    this.projectId = projectId;
    this.clientEmail = clientEmail;
    this.privateKeyId = privateKeyId;
    this.privateKey = privateKey;
    this.tokenUri = tokenUri;
  }

  /**
   * Reads and validates a service-account JSON file.
   *
   * @throws InvalidInputException naming every invalid field
   * @throws UncheckedIOException when the file cannot be read
   */
  public static ServiceAccount fromFile(Path path) {
    Objects.requireNonNull(path, "path");
    try (InputStream in = Files.newInputStream(path)) {
      return fromStream(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the service account file " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads a service-account JSON document from a stream (UTF-8, at most {@value #MAX_JSON_BYTES}
   * bytes) and validates it. The stream is read to its end and not closed.
   *
   * @throws InvalidInputException naming every invalid field
   * @throws UncheckedIOException when the stream fails
   */
  public static ServiceAccount fromStream(InputStream in) {
    Objects.requireNonNull(in, "in");
    byte[] bytes;
    try {
      bytes = in.readNBytes(MAX_JSON_BYTES + 1);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the service account: " + e.getMessage(), e);
    }
    if (bytes.length > MAX_JSON_BYTES) {
      throw invalid("json", "must be at most " + MAX_JSON_BYTES + " bytes: more were given");
    }
    return fromJson(new String(bytes, StandardCharsets.UTF_8));
  }

  /**
   * Parses and validates a service-account JSON document.
   *
   * @throws InvalidInputException naming every invalid field
   */
  public static ServiceAccount fromJson(String json) {
    Objects.requireNonNull(json, "json");
    Map<String, Object> doc;
    try {
      doc = JSONObjectUtils.parse(json, MAX_JSON_BYTES);
    } catch (ParseException | RuntimeException e) {
      // The parser's message may quote the document, and the document holds the private key.
      throw invalid("json", "must be a JSON object (a service account key file)");
    }
    Checks c = Checks.of("");
    Object type = doc.get("type");
    if (type != null) {
      c.check("service_account".equals(type), "type",
          "must be \"service_account\" (download a service account key, not another credential): "
              + Redact.quote(String.valueOf(type), 40));
    }
    String projectId = string(c, doc, "project_id");
    if (projectId != null) {
      c.check(PROJECT_ID.matcher(projectId).matches(), "project_id",
          "must be a Google Cloud project id (1-100 of [a-z0-9.:-]): " + Redact.quote(projectId, 40));
    }
    String clientEmail = string(c, doc, "client_email");
    if (clientEmail != null) {
      c.check(EMAIL.matcher(clientEmail).matches(), "client_email",
          "must be an e-mail address: " + Redact.quote(clientEmail, 80));
    }
    RSAPrivateKey key = null;
    String pem = string(c, doc, "private_key");
    if (pem != null) {
      key = parseKey(c, pem);
    }
    Object keyIdValue = doc.get("private_key_id");
    String privateKeyId = null;
    if (keyIdValue != null && c.check(keyIdValue instanceof String, "private_key_id", "must be a string")) {
      privateKeyId = (String) keyIdValue;
    }
    URI tokenUri = null;
    String tokenUriText = string(c, doc, "token_uri");
    if (tokenUriText != null) {
      tokenUri = checkSecureUrl(c, "token_uri", tokenUriText);
    }
    c.throwIfInvalid("service account");
    return new ServiceAccount(projectId, clientEmail, privateKeyId, key, tokenUri);
  }

  /** The Google Cloud / Firebase project id, part of the FCM send URL. */
  public String projectId() {
    return projectId;
  }

  /** The service account's e-mail address, the issuer of the OAuth2 assertion. */
  public String clientEmail() {
    return clientEmail;
  }

  /** The id of the private key (sent as the assertion's {@code kid}), or null when the file has none. */
  public String privateKeyId() {
    return privateKeyId;
  }

  /** The OAuth2 token endpoint the assertion is exchanged at. */
  public URI tokenUri() {
    return tokenUri;
  }

  /** The RSA signing key. Secret: never log it. */
  public RSAPrivateKey privateKey() {
    return privateKey;
  }

  /** Shows the project, the account and the key id; never the key. */
  @Override
  public String toString() {
    return "ServiceAccount[project_id=" + projectId + ", client_email=" + clientEmail
        + ", private_key_id=" + (privateKeyId == null ? "none" : Redact.secret(privateKeyId))
        + ", private_key=(redacted), token_uri=" + Redact.withoutCredentials(String.valueOf(tokenUri)) + "]";
  }

  /**
   * Validates a URL that will receive a credential (the token endpoint gets a signed assertion, FCM
   * gets the access token, each a bearer credential for an hour): an absolute https URL, or plain
   * http to a loopback host ({@code localhost} or a loopback address literal: a name such as
   * {@code 127.attacker.example} is not one) for a local emulator or test.
   */
  static URI checkSecureUrl(Checks c, String field, String value) {
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      c.add(field, "must be an absolute https URL: " + quoteUrl(value));
      return null;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    String host = uri.getHost();
    boolean ok = host != null && !host.isEmpty()
        && ("https".equals(scheme) || ("http".equals(scheme) && isLoopback(host)));
    return c.check(ok, field, "must be an absolute https URL (http only to a loopback host): " + quoteUrl(value))
        ? uri : null;
  }

  /** Plain http carries a bearer credential in the clear: only to a host that cannot leave this machine. */
  private static boolean isLoopback(String host) {
    return IpAddresses.isLoopbackHost(host);
  }

  private static String quoteUrl(String value) {
    return Redact.quote(value.contains("://") ? Redact.withoutCredentials(value) : value, 120);
  }

  private static String string(Checks c, Map<String, Object> doc, String field) {
    Object v = doc.get(field);
    if (!c.required(v, field)) {
      return null;
    }
    if (!c.check(v instanceof String, field, "must be a string")) {
      return null;
    }
    String s = (String) v;
    return c.check(!s.isBlank(), field, "must not be empty") ? s : null;
  }

  private static RSAPrivateKey parseKey(Checks c, String pem) {
    // Keys pasted through environment variables often arrive with literal backslash-n line breaks.
    String text = pem.replace("\\n", "\n").trim();
    if (text.startsWith("-----BEGIN RSA PRIVATE KEY-----")) {
      c.add("private_key", "must be PKCS#8 (BEGIN PRIVATE KEY), not PKCS#1 (BEGIN RSA PRIVATE KEY); "
          + "convert it with: openssl pkcs8 -topk8 -nocrypt");
      return null;
    }
    if (!text.startsWith(PKCS8_BEGIN) || !text.endsWith(PKCS8_END)) {
      c.add("private_key", "must be a PKCS#8 PEM block (-----BEGIN PRIVATE KEY----- ... -----END PRIVATE KEY-----)");
      return null;
    }
    String body = text.substring(PKCS8_BEGIN.length(), text.length() - PKCS8_END.length());
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      c.add("private_key", "must hold base64 between the PEM lines");
      return null;
    }
    try {
      RSAPrivateKey key = (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
      int bits = key.getModulus().bitLength();
      return c.check(bits >= MIN_RSA_BITS, "private_key",
          "must be an RSA key of at least " + MIN_RSA_BITS + " bits (RS256): " + bits + " bits") ? key : null;
    } catch (GeneralSecurityException | ClassCastException e) {
      c.add("private_key", "must be an RSA private key in PKCS#8 form");
      return null;
    }
  }

  private static InvalidInputException invalid(String field, String message) {
    return new InvalidInputException("service account",
        java.util.List.of(new InvalidInputException.Problem(field, message)));
  }
}
