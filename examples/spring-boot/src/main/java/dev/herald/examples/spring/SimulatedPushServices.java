package dev.herald.examples.spring;

import dev.herald.DeviceTarget;
import dev.herald.testing.fcm.FakeFcm;
import dev.herald.testing.fcm.FcmRequest;
import dev.herald.testing.webpush.FakePushService;
import dev.herald.webpush.VapidKeys;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * herald-testing's fake FCM and push service, real HTTP servers on 127.0.0.1 that check requests as
 * Google's and a browser vendor's do, so the example runs without Firebase credentials or a browser;
 * the push service's browsers decrypt what reaches them. {@link Initializer} starts them before the
 * application context and hands Herald their addresses and credentials as ordinary {@code herald.*}
 * properties of the lowest precedence; the {@code live} profile leaves them out (see
 * {@code application-live.properties}). What reaches a device is logged and kept.
 */
public final class SimulatedPushServices implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SimulatedPushServices.class);

  private final VapidKeys vapid = VapidKeys.generate();
  private final FakeFcm fcm = FakeFcm.start();
  // Subscriptions are made with this application's VAPID key, so a request signed otherwise is refused.
  private final FakePushService webPush = FakePushService.builder().applicationServerKey(vapid.publicKeyBase64Url()).build();
  private final List<String> received = Collections.synchronizedList(new ArrayList<>());

  SimulatedPushServices() {
    fcm.onDelivery(m -> {
      Object title = m.object("notification") == null ? null : m.object("notification").get("title");
      received.add("fcm " + title);
      log.info("fake FCM delivered \"{}\"", title);
    });
    webPush.onDelivery(r -> {
      received.add("webpush " + r.text());
      log.info("fake browser decrypted {}", r.text());
    });
  }

  /** The properties that point Herald at these services. */
  Map<String, Object> properties() {
    return Map.of(
        "herald.fcm.service-account", fcm.serviceAccountJson(),
        "herald.fcm.base-url", fcm.baseUrl(),
        "herald.web-push.vapid.private-key", vapid.toPem(),
        "herald.web-push.endpoint-policy.allow-http", "true",
        "herald.web-push.endpoint-policy.allow-loopback", "true");
  }

  /** A new browser subscription on the fake push service, as {@code pushManager.subscribe()} returns it. */
  public DeviceTarget.WebPushSubscription subscribe(String browser) {
    DeviceTarget.WebPushSubscription s = webPush.subscribe();
    log.info("browser {} subscribed", browser);
    return s;
  }

  /** What reached a device so far: {@code "fcm <title>"} and {@code "webpush <decrypted JSON>"}. */
  public List<String> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  /** Why either service refused a request, or a browser could not decrypt one; empty when Herald did everything right. */
  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    fcm.requests().stream().map(FcmRequest::problems).forEach(problems::addAll);
    problems.addAll(webPush.problems());
    return problems;
  }

  @Override
  public void close() {
    try {
      fcm.close();
    } finally {
      webPush.close();
    }
  }

  /** Starts the fake services unless the {@code live} profile is active. */
  public static final class Initializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {
    @Override
    public void initialize(ConfigurableApplicationContext context) {
      if (context.getEnvironment().matchesProfiles("live")) {
        return;
      }
      SimulatedPushServices sims = new SimulatedPushServices();
      context.getEnvironment().getPropertySources().addLast(new MapPropertySource("simulatedPushServices", sims.properties()));
      // A bean, so that it is closed with the context, after Herald's engine has stopped.
      ((GenericApplicationContext) context).registerBean("simulatedPushServices", SimulatedPushServices.class, () -> sims);
      log.info("fake FCM and Web Push services listening on 127.0.0.1");
    }
  }
}
