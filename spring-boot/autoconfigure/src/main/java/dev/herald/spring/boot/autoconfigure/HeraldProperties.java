package dev.herald.spring.boot.autoconfigure;

import dev.herald.outbox.jdbc.Database;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Herald's {@code herald.*} configuration properties. Each engine, outbox and transport setting maps
 * onto the builder setter of the same name ({@code herald.engine.batch-size} onto
 * {@code JdbcHerald.Builder.batchSize}); a setting left unset keeps the builder's default, and a
 * value the builder refuses fails start-up with a message that names the property.
 *
 * <p>Credentials ({@code herald.fcm.service-account}, {@code herald.web-push.vapid.private-key})
 * take either the content itself (JSON, PEM), typically from an environment variable, or a location
 * ({@code file:/etc/app/firebase.json}, {@code classpath:vapid.pem}, or a plain file path). They are
 * never logged, and the actuator endpoints mask them.
 */
@ConfigurationProperties("herald")
public class HeraldProperties {

  /** Whether Herald is configured: the outbox on the application's DataSource, the transports and the engine. */
  private boolean enabled = true;

  private final Outbox outbox = new Outbox();
  private final Engine engine = new Engine();
  private final Fcm fcm = new Fcm();
  private final WebPush webPush = new WebPush();
  private final Health health = new Health();
  private final Metrics metrics = new Metrics();

  /** Whether Herald is configured. */
  public boolean isEnabled() {
    return enabled;
  }

  /** Sets whether Herald is configured. */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /** The outbox settings. */
  public Outbox getOutbox() {
    return outbox;
  }

  /** The engine settings. */
  public Engine getEngine() {
    return engine;
  }

  /** The FCM transport settings. */
  public Fcm getFcm() {
    return fcm;
  }

  /** The Web Push transport settings. */
  public WebPush getWebPush() {
    return webPush;
  }

  /** The health indicator settings. */
  public Health getHealth() {
    return health;
  }

  /** The metrics settings. */
  public Metrics getMetrics() {
    return metrics;
  }

  /** The outbox: where notifications wait, on the application's DataSource. */
  public static class Outbox {
    /** The database; detected from the DataSource when unset. */
    private Database database;

    /** Prefix of every table, sequence and NOTIFY channel of the outbox. Default "herald_". */
    private String tablePrefix;

    /** How long a finished idempotency key still counts as known. Default 7 days. */
    private Duration dedupWindow;

    /** How long finished notifications are kept. Default 7 days. */
    private Duration retention;

    /** How often purge and device pruning run while the engine runs; 0 for never. Default 10 minutes. */
    private Duration purgeInterval;

    /** Rows per purge transaction. Default 500. */
    private Integer purgeBatchSize;

    /** Recipient notifications expanded into deliveries per claim. Default 500. */
    private Integer expansionBatchSize;

    /** Whether PostgreSQL LISTEN/NOTIFY wakes the engines at commit. Default true. */
    private Boolean listenNotify;

    /** Devices not seen for this long are marked stale and left out of expansion. Default 60 days. */
    private Duration staleAfter;

    /** How long retired, invalid and stale devices are kept before they are deleted. Default 30 days. */
    private Duration deviceRetention;

    /**
     * Whether the outbox schema is created or upgraded at start-up (idempotent, serialised between
     * instances). When false, start-up fails unless the schema is already at the version this Herald needs.
     */
    private boolean migrateOnStart = true;

    /** The database; null when detected. */
    public Database getDatabase() {
      return database;
    }

    /** Sets the database. */
    public void setDatabase(Database database) {
      this.database = database;
    }

    /** The table prefix; null for the default. */
    public String getTablePrefix() {
      return tablePrefix;
    }

    /** Sets the table prefix. */
    public void setTablePrefix(String tablePrefix) {
      this.tablePrefix = tablePrefix;
    }

    /** The dedup window; null for the default. */
    public Duration getDedupWindow() {
      return dedupWindow;
    }

    /** Sets the dedup window. */
    public void setDedupWindow(Duration dedupWindow) {
      this.dedupWindow = dedupWindow;
    }

    /** The retention; null for the default. */
    public Duration getRetention() {
      return retention;
    }

    /** Sets the retention. */
    public void setRetention(Duration retention) {
      this.retention = retention;
    }

    /** The purge interval; null for the default. */
    public Duration getPurgeInterval() {
      return purgeInterval;
    }

    /** Sets the purge interval. */
    public void setPurgeInterval(Duration purgeInterval) {
      this.purgeInterval = purgeInterval;
    }

    /** The purge batch size; null for the default. */
    public Integer getPurgeBatchSize() {
      return purgeBatchSize;
    }

    /** Sets the purge batch size. */
    public void setPurgeBatchSize(Integer purgeBatchSize) {
      this.purgeBatchSize = purgeBatchSize;
    }

    /** The expansion batch size; null for the default. */
    public Integer getExpansionBatchSize() {
      return expansionBatchSize;
    }

    /** Sets the expansion batch size. */
    public void setExpansionBatchSize(Integer expansionBatchSize) {
      this.expansionBatchSize = expansionBatchSize;
    }

    /** Whether LISTEN/NOTIFY is used; null for the default. */
    public Boolean getListenNotify() {
      return listenNotify;
    }

    /** Sets whether LISTEN/NOTIFY is used. */
    public void setListenNotify(Boolean listenNotify) {
      this.listenNotify = listenNotify;
    }

    /** The stale-after period; null for the default. */
    public Duration getStaleAfter() {
      return staleAfter;
    }

    /** Sets the stale-after period. */
    public void setStaleAfter(Duration staleAfter) {
      this.staleAfter = staleAfter;
    }

    /** The device retention; null for the default. */
    public Duration getDeviceRetention() {
      return deviceRetention;
    }

    /** Sets the device retention. */
    public void setDeviceRetention(Duration deviceRetention) {
      this.deviceRetention = deviceRetention;
    }

    /** Whether the schema is migrated at start-up. */
    public boolean isMigrateOnStart() {
      return migrateOnStart;
    }

    /** Sets whether the schema is migrated at start-up. */
    public void setMigrateOnStart(boolean migrateOnStart) {
      this.migrateOnStart = migrateOnStart;
    }
  }

  /** The delivery engine of this instance. */
  public static class Engine {
    /**
     * Whether this instance runs the delivery engine. An instance that only enqueues (its engines run
     * elsewhere) sets it to false; enqueue, cancel, devices and the operator functions still work.
     */
    private boolean enabled = true;

    /** Lease owner id of this instance, 1-64 printable characters. Default host name, process id and a random suffix. */
    private String instanceId;

    /** Longest wait between claims when nothing wakes the engine earlier. Default 1 second. */
    private Duration pollInterval;

    /** Most deliveries claimed per channel in one statement. Default 100. */
    private Integer batchSize;

    /** How long a claim holds before another instance may take a delivery over. Default 60 seconds. */
    private Duration lease;

    /** Most deliveries of one channel held (claimed, not yet recorded) at once. Default 256. */
    private Integer maxInFlightPerChannel;

    /** Threads that run guards and start sends. Default max(2, processors). */
    private Integer dispatchThreads;

    /** Most outcomes recorded in one database call. Default 500. */
    private Integer completionBatchSize;

    /** First pause of a channel whose sender failed; doubled after each failed probe. Default 30 seconds. */
    private Duration channelPause;

    /** Longest pause between probes of a failed channel. Default 15 minutes. */
    private Duration maxChannelPause;

    /**
     * How long stopping waits for in-flight sends before releasing them to another instance. Default
     * 10 seconds. Keep it below spring.lifecycle.timeout-per-shutdown-phase.
     */
    private Duration shutdownTimeout;

    private final Retry retry = new Retry();
    private final TargetGoneSafetyValve targetGoneSafetyValve = new TargetGoneSafetyValve();

    /** Whether the engine runs here. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Sets whether the engine runs here. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** The instance id; null for the default. */
    public String getInstanceId() {
      return instanceId;
    }

    /** Sets the instance id. */
    public void setInstanceId(String instanceId) {
      this.instanceId = instanceId;
    }

    /** The poll interval; null for the default. */
    public Duration getPollInterval() {
      return pollInterval;
    }

    /** Sets the poll interval. */
    public void setPollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
    }

    /** The batch size; null for the default. */
    public Integer getBatchSize() {
      return batchSize;
    }

    /** Sets the batch size. */
    public void setBatchSize(Integer batchSize) {
      this.batchSize = batchSize;
    }

    /** The lease; null for the default. */
    public Duration getLease() {
      return lease;
    }

    /** Sets the lease. */
    public void setLease(Duration lease) {
      this.lease = lease;
    }

    /** The in-flight limit per channel; null for the default. */
    public Integer getMaxInFlightPerChannel() {
      return maxInFlightPerChannel;
    }

    /** Sets the in-flight limit per channel. */
    public void setMaxInFlightPerChannel(Integer maxInFlightPerChannel) {
      this.maxInFlightPerChannel = maxInFlightPerChannel;
    }

    /** The dispatch threads; null for the default. */
    public Integer getDispatchThreads() {
      return dispatchThreads;
    }

    /** Sets the dispatch threads. */
    public void setDispatchThreads(Integer dispatchThreads) {
      this.dispatchThreads = dispatchThreads;
    }

    /** The completion batch size; null for the default. */
    public Integer getCompletionBatchSize() {
      return completionBatchSize;
    }

    /** Sets the completion batch size. */
    public void setCompletionBatchSize(Integer completionBatchSize) {
      this.completionBatchSize = completionBatchSize;
    }

    /** The first channel pause; null for the default. */
    public Duration getChannelPause() {
      return channelPause;
    }

    /** Sets the first channel pause. */
    public void setChannelPause(Duration channelPause) {
      this.channelPause = channelPause;
    }

    /** The longest channel pause; null for the default. */
    public Duration getMaxChannelPause() {
      return maxChannelPause;
    }

    /** Sets the longest channel pause. */
    public void setMaxChannelPause(Duration maxChannelPause) {
      this.maxChannelPause = maxChannelPause;
    }

    /** The shutdown timeout; null for the default. */
    public Duration getShutdownTimeout() {
      return shutdownTimeout;
    }

    /** Sets the shutdown timeout. */
    public void setShutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = shutdownTimeout;
    }

    /** The retry policy settings. */
    public Retry getRetry() {
      return retry;
    }

    /** The "target gone" safety valve settings. */
    public TargetGoneSafetyValve getTargetGoneSafetyValve() {
      return targetGoneSafetyValve;
    }
  }

  /** The retry policy, used unless the application defines a {@code RetryPolicy} bean. */
  public static class Retry {
    /** Longest delay after the first failed attempt (full jitter below it). Default 1 second. */
    private Duration initialDelay;

    /** Growth of the delay per attempt. Default 2. */
    private Double multiplier;

    /** Longest delay between attempts. Default 10 minutes. */
    private Duration maxDelay;

    /** Attempts before a delivery is dead. Default 12. */
    private Integer maxAttempts;

    /** Age (since enqueue or re-queue) after which a delivery is dead rather than retried. Default 24 hours. */
    private Duration maxAge;

    /** The initial delay; null for the default. */
    public Duration getInitialDelay() {
      return initialDelay;
    }

    /** Sets the initial delay. */
    public void setInitialDelay(Duration initialDelay) {
      this.initialDelay = initialDelay;
    }

    /** The multiplier; null for the default. */
    public Double getMultiplier() {
      return multiplier;
    }

    /** Sets the multiplier. */
    public void setMultiplier(Double multiplier) {
      this.multiplier = multiplier;
    }

    /** The longest delay; null for the default. */
    public Duration getMaxDelay() {
      return maxDelay;
    }

    /** Sets the longest delay. */
    public void setMaxDelay(Duration maxDelay) {
      this.maxDelay = maxDelay;
    }

    /** The attempts; null for the default. */
    public Integer getMaxAttempts() {
      return maxAttempts;
    }

    /** Sets the attempts. */
    public void setMaxAttempts(Integer maxAttempts) {
      this.maxAttempts = maxAttempts;
    }

    /** The longest age; null for the default. */
    public Duration getMaxAge() {
      return maxAge;
    }

    /** Sets the longest age. */
    public void setMaxAge(Duration maxAge) {
      this.maxAge = maxAge;
    }
  }

  /**
   * The "target gone" safety valve: when a large share of a channel's recent outcomes say the device
   * is gone, devices are no longer invalidated and the channel is paused (wrong credentials or
   * project, not dead devices). Share, min-samples and window are set together.
   */
  public static class TargetGoneSafetyValve {
    /** Whether the valve is on; when off, every "target gone" invalidates its device. */
    private boolean enabled = true;

    /** Share of "target gone" among recent outcomes that trips the valve, in (0, 1]. Default 0.5. */
    private Double share;

    /** Fewest recent outcomes before the valve can trip. Default 20. */
    private Integer minSamples;

    /** How far back outcomes count. Default 1 minute. */
    private Duration window;

    /** Whether the valve is on. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Sets whether the valve is on. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** The share; null for the default. */
    public Double getShare() {
      return share;
    }

    /** Sets the share. */
    public void setShare(Double share) {
      this.share = share;
    }

    /** The fewest samples; null for the default. */
    public Integer getMinSamples() {
      return minSamples;
    }

    /** Sets the fewest samples. */
    public void setMinSamples(Integer minSamples) {
      this.minSamples = minSamples;
    }

    /** The window; null for the default. */
    public Duration getWindow() {
      return window;
    }

    /** Sets the window. */
    public void setWindow(Duration window) {
      this.window = window;
    }
  }

  /**
   * The FCM HTTP v1 transport, configured when {@code herald.fcm.service-account} is set (or
   * {@code herald.fcm.enabled} is true) and the application defines no {@code FcmTransport} bean.
   */
  public static class Fcm {
    /** Whether the FCM transport is configured; by default when a service account is set. */
    private Boolean enabled;

    /**
     * The Firebase service account: its JSON itself (for example from an environment variable), or
     * the location of the JSON file (file:/etc/app/firebase.json, classpath:firebase.json or a file path).
     */
    private String serviceAccount;

    /** FCM's base URL (https, or http to a loopback host for a local emulator). Default https://fcm.googleapis.com. */
    private String baseUrl;

    /** The OAuth2 token endpoint. Default the service account's token_uri. */
    private String tokenUri;

    /** Most requests on the wire at once. Default 100. */
    private Integer maxInFlight;

    /** Dry run: FCM validates each message and sends nothing. Default false. */
    private Boolean validateOnly;

    /** Limit on one request from start to the end of its response. Default 30 seconds. */
    private Duration requestTimeout;

    /** Speak HTTP/2 without TLS to an http base URL (local servers). Default false. */
    private Boolean http2PriorKnowledge;

    /** Whether the transport is configured; null for "when a service account is set". */
    public Boolean getEnabled() {
      return enabled;
    }

    /** Sets whether the transport is configured. */
    public void setEnabled(Boolean enabled) {
      this.enabled = enabled;
    }

    /** The service account JSON or its location. */
    public String getServiceAccount() {
      return serviceAccount;
    }

    /** Sets the service account JSON or its location. */
    public void setServiceAccount(String serviceAccount) {
      this.serviceAccount = serviceAccount;
    }

    /** The base URL; null for the default. */
    public String getBaseUrl() {
      return baseUrl;
    }

    /** Sets the base URL. */
    public void setBaseUrl(String baseUrl) {
      this.baseUrl = baseUrl;
    }

    /** The token endpoint; null for the service account's. */
    public String getTokenUri() {
      return tokenUri;
    }

    /** Sets the token endpoint. */
    public void setTokenUri(String tokenUri) {
      this.tokenUri = tokenUri;
    }

    /** The in-flight limit; null for the default. */
    public Integer getMaxInFlight() {
      return maxInFlight;
    }

    /** Sets the in-flight limit. */
    public void setMaxInFlight(Integer maxInFlight) {
      this.maxInFlight = maxInFlight;
    }

    /** Whether messages are only validated; null for the default. */
    public Boolean getValidateOnly() {
      return validateOnly;
    }

    /** Sets whether messages are only validated. */
    public void setValidateOnly(Boolean validateOnly) {
      this.validateOnly = validateOnly;
    }

    /** The request timeout; null for the default. */
    public Duration getRequestTimeout() {
      return requestTimeout;
    }

    /** Sets the request timeout. */
    public void setRequestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
    }

    /** Whether HTTP/2 prior knowledge is used; null for the default. */
    public Boolean getHttp2PriorKnowledge() {
      return http2PriorKnowledge;
    }

    /** Sets whether HTTP/2 prior knowledge is used. */
    public void setHttp2PriorKnowledge(Boolean http2PriorKnowledge) {
      this.http2PriorKnowledge = http2PriorKnowledge;
    }
  }

  /**
   * The Web Push transport, configured when {@code herald.web-push.vapid.private-key} is set (or
   * {@code herald.web-push.enabled} is true) and the application defines no {@code WebPushTransport} bean.
   */
  public static class WebPush {
    /** Whether the Web Push transport is configured; by default when a VAPID private key is set. */
    private Boolean enabled;

    /** The VAPID contact: a mailto: address or an https: URL the push services can reach you at. Required. */
    private String subject;

    private final Vapid vapid = new Vapid();
    private final EndpointPolicy endpointPolicy = new EndpointPolicy();

    /** Pad every payload up to the smallest of these sizes (octets, strictly increasing) that holds it. Default none. */
    private List<Integer> padding = new ArrayList<>();

    /** Most requests in flight at once, across all push services. Default 64. */
    private Integer maxInFlight;

    /** Timeout to establish a connection. Default 10 seconds. */
    private Duration connectTimeout;

    /** Timeout of a whole call: connect, send, wait for and read the answer. Default 30 seconds. */
    private Duration callTimeout;

    /** Lifetime of a VAPID token, 5 minutes to 24 hours. Default 12 hours. */
    private Duration vapidTokenLifetime;

    /** Whether the transport is configured; null for "when a VAPID key is set". */
    public Boolean getEnabled() {
      return enabled;
    }

    /** Sets whether the transport is configured. */
    public void setEnabled(Boolean enabled) {
      this.enabled = enabled;
    }

    /** The VAPID subject. */
    public String getSubject() {
      return subject;
    }

    /** Sets the VAPID subject. */
    public void setSubject(String subject) {
      this.subject = subject;
    }

    /** The VAPID key settings. */
    public Vapid getVapid() {
      return vapid;
    }

    /** The endpoint policy settings. */
    public EndpointPolicy getEndpointPolicy() {
      return endpointPolicy;
    }

    /** The padding buckets; empty for none. */
    public List<Integer> getPadding() {
      return padding;
    }

    /** Sets the padding buckets. */
    public void setPadding(List<Integer> padding) {
      this.padding = padding;
    }

    /** The in-flight limit; null for the default. */
    public Integer getMaxInFlight() {
      return maxInFlight;
    }

    /** Sets the in-flight limit. */
    public void setMaxInFlight(Integer maxInFlight) {
      this.maxInFlight = maxInFlight;
    }

    /** The connect timeout; null for the default. */
    public Duration getConnectTimeout() {
      return connectTimeout;
    }

    /** Sets the connect timeout. */
    public void setConnectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
    }

    /** The call timeout; null for the default. */
    public Duration getCallTimeout() {
      return callTimeout;
    }

    /** Sets the call timeout. */
    public void setCallTimeout(Duration callTimeout) {
      this.callTimeout = callTimeout;
    }

    /** The VAPID token lifetime; null for the default. */
    public Duration getVapidTokenLifetime() {
      return vapidTokenLifetime;
    }

    /** Sets the VAPID token lifetime. */
    public void setVapidTokenLifetime(Duration vapidTokenLifetime) {
      this.vapidTokenLifetime = vapidTokenLifetime;
    }
  }

  /** The application server's VAPID key pair. */
  public static class Vapid {
    /**
     * The VAPID private key as PEM (PKCS#8 or SEC 1; the public key is derived): the PEM itself (for
     * example from an environment variable) or its location (file:, classpath: or a file path).
     */
    private String privateKey;

    /** The private key PEM or its location. */
    public String getPrivateKey() {
      return privateKey;
    }

    /** Sets the private key PEM or its location. */
    public void setPrivateKey(String privateKey) {
      this.privateKey = privateKey;
    }
  }

  /** Which push-service endpoints Web Push may contact (against server-side request forgery). */
  public static class EndpointPolicy {
    /** Allow the push services every mainstream browser uses (FCM, Mozilla, Windows, Apple). */
    private boolean knownPushServices = true;

    /** Further allowed host names or *.domain patterns, for a self-hosted push service. */
    private List<String> allowedHosts = new ArrayList<>();

    /** Allow plain http endpoints. */
    private boolean allowHttp;

    /** Allow loopback endpoints and addresses (local tests and demos only). */
    private boolean allowLoopback;

    /** Allow private-network addresses. */
    private boolean allowPrivateNetworks;

    /** Whether the known push services are allowed. */
    public boolean isKnownPushServices() {
      return knownPushServices;
    }

    /** Sets whether the known push services are allowed. */
    public void setKnownPushServices(boolean knownPushServices) {
      this.knownPushServices = knownPushServices;
    }

    /** The further allowed hosts. */
    public List<String> getAllowedHosts() {
      return allowedHosts;
    }

    /** Sets the further allowed hosts. */
    public void setAllowedHosts(List<String> allowedHosts) {
      this.allowedHosts = allowedHosts;
    }

    /** Whether http is allowed. */
    public boolean isAllowHttp() {
      return allowHttp;
    }

    /** Sets whether http is allowed. */
    public void setAllowHttp(boolean allowHttp) {
      this.allowHttp = allowHttp;
    }

    /** Whether loopback is allowed. */
    public boolean isAllowLoopback() {
      return allowLoopback;
    }

    /** Sets whether loopback is allowed. */
    public void setAllowLoopback(boolean allowLoopback) {
      this.allowLoopback = allowLoopback;
    }

    /** Whether private networks are allowed. */
    public boolean isAllowPrivateNetworks() {
      return allowPrivateNetworks;
    }

    /** Sets whether private networks are allowed. */
    public void setAllowPrivateNetworks(boolean allowPrivateNetworks) {
      this.allowPrivateNetworks = allowPrivateNetworks;
    }
  }

  /** What the actuator health indicator ({@code management.health.herald.enabled}) reports. */
  public static class Health {
    /** Report OUT_OF_SERVICE while a channel is paused because its sender failed (otherwise UP, with the pause in the details). */
    private boolean outOfServiceWhenPaused;

    /** Report OUT_OF_SERVICE when the oldest due delivery has waited longer than this. Default: never. */
    private Duration maxOldestDueAge;

    /** How long the outbox counts (a scan of the delivery table) are reused between health checks. */
    private Duration statsTimeToLive = Duration.ofSeconds(10);

    /** Whether a paused channel means OUT_OF_SERVICE. */
    public boolean isOutOfServiceWhenPaused() {
      return outOfServiceWhenPaused;
    }

    /** Sets whether a paused channel means OUT_OF_SERVICE. */
    public void setOutOfServiceWhenPaused(boolean outOfServiceWhenPaused) {
      this.outOfServiceWhenPaused = outOfServiceWhenPaused;
    }

    /** The longest acceptable wait of a due delivery; null for no limit. */
    public Duration getMaxOldestDueAge() {
      return maxOldestDueAge;
    }

    /** Sets the longest acceptable wait of a due delivery. */
    public void setMaxOldestDueAge(Duration maxOldestDueAge) {
      this.maxOldestDueAge = maxOldestDueAge;
    }

    /** How long the outbox counts are reused. */
    public Duration getStatsTimeToLive() {
      return statsTimeToLive;
    }

    /** Sets how long the outbox counts are reused. */
    public void setStatsTimeToLive(Duration statsTimeToLive) {
      this.statsTimeToLive = statsTimeToLive;
    }
  }

  /** The Micrometer metrics, registered when the application has a MeterRegistry. */
  public static class Metrics {
    /** Whether Herald's delivery metrics are registered. */
    private boolean enabled = true;

    /** The herald.backlog gauge counts due work up to this many rows (each scrape runs the count). */
    private long backlogLimit = 10_000;

    /** Whether the metrics are registered. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Sets whether the metrics are registered. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** The backlog gauge's count limit. */
    public long getBacklogLimit() {
      return backlogLimit;
    }

    /** Sets the backlog gauge's count limit. */
    public void setBacklogLimit(long backlogLimit) {
      this.backlogLimit = backlogLimit;
    }
  }
}
