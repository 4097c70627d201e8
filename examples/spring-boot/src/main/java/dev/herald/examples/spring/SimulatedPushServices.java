package dev.herald.examples.spring;

import dev.herald.DeviceTarget;
import dev.herald.examples.sim.SimulatedFcm;
import dev.herald.examples.sim.SimulatedWebPushService;
import dev.herald.webpush.VapidKeys;
import java.io.IOException;
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
 * The demo's simulated FCM and Web Push services, real HTTP servers on 127.0.0.1, so the example runs
 * without Firebase credentials or a browser. {@link Initializer} starts them before the application
 * context and hands Herald their addresses and credentials as ordinary {@code herald.*} properties
 * of the lowest precedence; the {@code live} profile leaves them out (see
 * {@code application-live.properties}). What they receive is logged and kept.
 */
public final class SimulatedPushServices implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SimulatedPushServices.class);

  private final SimulatedFcm fcm = new SimulatedFcm();
  private final SimulatedWebPushService webPush = new SimulatedWebPushService();
  private final List<String> received = Collections.synchronizedList(new ArrayList<>());
  private final VapidKeys vapid = VapidKeys.generate();

  SimulatedPushServices() {
    fcm.onMessage(m -> {
      Object title = ((Map<?, ?>) m.get("notification")).get("title");
      received.add("fcm " + title);
      log.info("simulated FCM accepted \"{}\"", title);
    });
    webPush.onMessage((topic, text) -> {
      received.add("webpush " + text);
      log.info("simulated browser decrypted {}", text);
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

  /** A new browser subscription on the simulated push service, as a browser would post it. */
  public DeviceTarget.WebPushSubscription subscribe(String browser) {
    return webPush.subscribe(browser);
  }

  /** What the services accepted so far: {@code "fcm <title>"} and {@code "webpush <decrypted JSON>"}. */
  public List<String> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      fcm.close();
    } finally {
      webPush.close();
    }
  }

  /** Starts the simulated services unless the {@code live} profile is active. */
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
      log.info("simulated FCM and Web Push services listening on 127.0.0.1");
    }
  }
}
