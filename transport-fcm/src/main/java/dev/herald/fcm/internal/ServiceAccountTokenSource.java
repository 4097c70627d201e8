package dev.herald.fcm.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.herald.fcm.ServiceAccount;
import dev.herald.internal.Redact;
import dev.herald.internal.Texts;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OAuth2 access tokens for a service account (RFC 7523 JWT bearer grant, as Google's token
 * endpoint implements it), cached and refreshed without putting the refresh on the send path.
 *
 * <p>A token is reused until {@link AccessToken#refreshAt}; from then a send still gets the cached
 * token at once while one background refresh runs; only when no usable token exists does a send
 * wait, and then all waiting sends share the same refresh (single flight). After a failed refresh no
 * new one starts for {@link #FAILURE_HOLD}, so a broken credential costs one request per hold, not
 * one per send. Thread-safe.
 */
public final class ServiceAccountTokenSource {
  /** The only scope FCM's send API needs. */
  public static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
  /** Lifetime of the signed assertion; Google accepts at most one hour. */
  public static final Duration ASSERTION_LIFETIME = Duration.ofHours(1);
  /** Start the background refresh this long before the token expires (Google's libraries use a few minutes). */
  public static final Duration REFRESH_AHEAD = Duration.ofMinutes(5);
  /** Stop sending a token this long before it expires, so a request in flight does not carry a dead one. */
  public static final Duration EXPIRY_MARGIN = Duration.ofMinutes(1);
  /** After a failed refresh, answer from the failure for this long instead of asking again. */
  public static final Duration FAILURE_HOLD = Duration.ofSeconds(5);

  /** A token's lifetime is read as at most this, whatever {@code expires_in} says (Google's is an hour). */
  public static final Duration MAX_LIFETIME = Duration.ofDays(1);
  /** Longest access token accepted (Google's are a few hundred characters). */
  public static final int MAX_TOKEN_LENGTH = 8192;

  static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";
  private static final int MAX_BODY = 64 * 1024;
  private static final Logger log = LoggerFactory.getLogger(ServiceAccountTokenSource.class);

  private final ServiceAccount account;
  private final HttpUrl tokenUrl;
  private final OkHttpClient http;
  private final Clock clock;
  private final Executor executor;
  private final RSASSASigner signer;
  private final AtomicLong refreshes = new AtomicLong();

  private final Object lock = new Object();
  /** The current token and a completed future of it, so the hot path allocates nothing. */
  private volatile Cached cached;
  /** The refresh in progress, or null. Guarded by {@link #lock}. */
  private CompletableFuture<AccessToken> refreshing;
  /** The last failure and until when it is repeated. Guarded by {@link #lock}. */
  private TokenException lastFailure;
  private Instant failedUntil = Instant.MIN;

  private record Cached(AccessToken token, CompletableFuture<AccessToken> future) {}

  /**
   * Creates a source; nothing is fetched until the first {@link #token()}.
   *
   * @param tokenUrl where the assertion is exchanged (and its audience)
   * @param http the client for the token endpoint
   * @param executor where the assertion is signed, so that no send pays for it
   */
  public ServiceAccountTokenSource(ServiceAccount account, HttpUrl tokenUrl, OkHttpClient http, Clock clock,
      Executor executor) {
    this.account = account;
    this.tokenUrl = tokenUrl;
    this.http = http;
    this.clock = clock;
    this.executor = executor;
    this.signer = new RSASSASigner(account.privateKey());
  }

  /**
   * A usable access token: at once when one is cached, otherwise when the (shared) refresh ends.
   * Fails with {@link TokenException} when the token endpoint does not deliver.
   */
  public CompletableFuture<AccessToken> token() {
    Cached c = cached;
    Instant now = clock.instant();
    if (c != null && c.token().usableAt(now)) {
      if (c.token().staleAt(now)) {
        refresh(now); // in the background: this send goes on with the still-valid token
      }
      return c.future();
    }
    return refresh(now);
  }

  /**
   * A token other than {@code rejected}, which FCM answered with 401: forgets it (unless a newer
   * one already replaced it) and returns the next. Concurrent callers share one refresh.
   */
  public CompletableFuture<AccessToken> renewAfterRejection(AccessToken rejected) {
    synchronized (lock) {
      Cached c = cached;
      if (c != null && c.token().equals(rejected)) {
        cached = null;
      }
    }
    return token();
  }

  /**
   * Signs a throwaway assertion with the account's key: {@link ServiceAccount} checked the key's form
   * and size, this checks that the JCA provider signs RS256 with it, at start-up rather than at the
   * first send.
   *
   * @throws IllegalStateException saying what failed
   */
  public static void verifySigns(ServiceAccount account) {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).build(),
        new JWTClaimsSet.Builder().issuer(account.clientEmail()).build());
    try {
      jwt.sign(new RSASSASigner(account.privateKey()));
    } catch (JOSEException | RuntimeException e) {
      throw new IllegalStateException("RS256 signing failed: " + e.getMessage(), e);
    }
  }

  /** How many token requests were started (for logs and tests). */
  public long refreshCount() {
    return refreshes.get();
  }

  private CompletableFuture<AccessToken> refresh(Instant now) {
    CompletableFuture<AccessToken> f;
    synchronized (lock) {
      Cached c = cached;
      if (c != null && c.token().usableAt(now) && !c.token().staleAt(now)) {
        return c.future(); // another thread refreshed between our read and the lock
      }
      if (refreshing != null) {
        return refreshing;
      }
      if (now.isBefore(failedUntil)) {
        return c != null && c.token().usableAt(now) ? c.future() : CompletableFuture.failedFuture(lastFailure);
      }
      f = new CompletableFuture<>();
      refreshing = f;
    }
    refreshes.incrementAndGet();
    try {
      // Signing costs a millisecond or two of RSA: keep it off the thread that asked (a send).
      executor.execute(() -> {
        try {
          exchange(f, now);
        } catch (RuntimeException e) {
          finish(f, null, new TokenException("assertion",
              "could not sign the OAuth2 assertion: " + e.getClass().getSimpleName(), null, e));
        }
      });
    } catch (RejectedExecutionException e) {
      finish(f, null, new TokenException("closed", "the FCM transport is closed", null, e));
    }
    return f;
  }

  private void exchange(CompletableFuture<AccessToken> f, Instant now) {
    String assertion = sign(now);
    Request request = new Request.Builder()
        .url(tokenUrl)
        .post(new FormBody.Builder().add("grant_type", GRANT_TYPE).add("assertion", assertion).build())
        .build();
    http.newCall(request).enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        finish(f, null, new TokenException("io", "OAuth2 token endpoint unreachable: " + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : ": " + Redact.quote(e.getMessage(), 120)), null, e));
      }

      @Override
      public void onResponse(Call call, Response response) {
        AccessToken token = null;
        TokenException error = null;
        try (response) {
          String body = response.peekBody(MAX_BODY).string();
          if (response.code() == 200) {
            token = parseToken(body, now);
          } else {
            error = endpointError(response, body);
          }
        } catch (TokenException e) {
          error = e;
        } catch (IOException | RuntimeException e) {
          error = new TokenException("io", "OAuth2 token response unreadable: " + e.getClass().getSimpleName(), null, e);
        }
        finish(f, token, error);
      }
    });
  }

  private String sign(Instant now) {
    JWSHeader.Builder header = new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT);
    if (account.privateKeyId() != null) {
      header.keyID(account.privateKeyId());
    }
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(account.clientEmail())
        .audience(tokenUrl.toString())
        .claim("scope", SCOPE)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(ASSERTION_LIFETIME)))
        .build();
    SignedJWT jwt = new SignedJWT(header.build(), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("RS256 signing failed", e);
    }
    return jwt.serialize();
  }

  /** Expiry is counted from {@code requestedAt}, before the round trip, so it errs early. */
  private static AccessToken parseToken(String body, Instant requestedAt) {
    Map<String, Object> doc;
    try {
      doc = JSONObjectUtils.parse(body);
    } catch (Exception e) {
      throw new TokenException("malformed", "OAuth2 token response is not JSON", null, null);
    }
    Object value = doc.get("access_token");
    Object expiresIn = doc.get("expires_in");
    Object type = doc.get("token_type");
    if (!(value instanceof String s) || s.isEmpty()) {
      throw new TokenException("malformed", "OAuth2 token response has no access_token", null, null);
    }
    // It goes into an Authorization header: a CR LF or any other byte outside visible ASCII would
    // fail the request (or split the header) later, on every send.
    if (s.length() > MAX_TOKEN_LENGTH || !s.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f)) {
      throw new TokenException("malformed", "OAuth2 access_token is not a token of at most " + MAX_TOKEN_LENGTH
          + " visible ASCII characters", null, null);
    }
    if (!(expiresIn instanceof Number n) || !(n.doubleValue() > 0)) {
      throw new TokenException("malformed", "OAuth2 token response has no positive expires_in", null, null);
    }
    if (type != null && !"bearer".equalsIgnoreCase(String.valueOf(type))) {
      throw new TokenException("malformed", "OAuth2 token_type is not Bearer: " + Redact.quote(String.valueOf(type), 20), null, null);
    }
    Duration lifetime = n.doubleValue() >= MAX_LIFETIME.getSeconds() ? MAX_LIFETIME : Duration.ofSeconds(Math.max(1, n.longValue()));
    // Short-lived tokens (tests, emulators) scale the margins down instead of being stale at birth.
    Duration refreshAfter = max(lifetime.minus(REFRESH_AHEAD), lifetime.dividedBy(2));
    Duration usableFor = max(lifetime.minus(EXPIRY_MARGIN), lifetime.multipliedBy(9).dividedBy(10));
    return new AccessToken(s, requestedAt.plus(refreshAfter), requestedAt.plus(usableFor));
  }

  private TokenException endpointError(Response response, String body) {
    String error = null;
    String description = null;
    try {
      Map<String, Object> doc = JSONObjectUtils.parse(body);
      error = doc.get("error") instanceof String s ? s : null;
      description = doc.get("error_description") instanceof String s ? s : null;
    } catch (Exception ignored) {
      // Not an OAuth2 error body (a proxy's HTML page): the status says enough.
    }
    // The endpoint's error code is text from outside, headed for logs and the outbox.
    String code = error == null ? null : Texts.storable(error, 60);
    String raw = code != null ? code : Integer.toString(response.code());
    String reason = "OAuth2 token endpoint answered " + response.code() + (code == null ? "" : " " + code)
        + (description == null ? "" : ": " + Redact.quote(description, 160));
    Duration retryAfter = RetryAfter.parse(response.header("Retry-After"), clock.instant());
    return new TokenException(raw, reason, retryAfter, null);
  }

  private void finish(CompletableFuture<AccessToken> f, AccessToken token, TokenException error) {
    synchronized (lock) {
      refreshing = null;
      if (token != null) {
        cached = new Cached(token, CompletableFuture.completedFuture(token));
        lastFailure = null;
        failedUntil = Instant.MIN;
      } else {
        lastFailure = error;
        failedUntil = clock.instant().plus(FAILURE_HOLD);
      }
    }
    // Complete outside the lock: dependent sends run on this thread.
    if (token != null) {
      log.debug("FCM access token for {} refreshed; refresh from {}", account.clientEmail(), token.refreshAt());
      f.complete(token);
    } else {
      log.warn("FCM access token for {} not refreshed: {} ({})", account.clientEmail(), error.getMessage(), error.rawCode());
      f.completeExceptionally(error);
    }
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
