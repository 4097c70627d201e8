package dev.herald.examples.spring;

import dev.herald.DeviceTarget;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Stands in for a browser while the push services are simulated: {@code POST /simulated/browsers/{name}}
 * answers the subscription a browser's {@code pushManager.subscribe} would give, to post to
 * {@code /members/{member}/devices}; {@code GET /simulated/received} lists what the simulated
 * services accepted. 404 with the {@code live} profile.
 */
@RestController
class SimulatedBrowserController {
  private final ObjectProvider<SimulatedPushServices> sims;

  SimulatedBrowserController(ObjectProvider<SimulatedPushServices> sims) {
    this.sims = sims;
  }

  @PostMapping("/simulated/browsers/{name}")
  Map<String, Object> subscribe(@PathVariable String name) {
    DeviceTarget.WebPushSubscription s = sims().subscribe(name);
    return Map.of("endpoint", s.endpoint(), "keys", Map.of("p256dh", s.p256dh(), "auth", s.auth()));
  }

  @GetMapping("/simulated/received")
  List<String> received() {
    return sims().received();
  }

  private SimulatedPushServices sims() {
    SimulatedPushServices s = sims.getIfAvailable();
    if (s == null) {
      throw new ResponseStatusException(HttpStatus.NOT_FOUND, "the push services are not simulated (live profile)");
    }
    return s;
  }
}
