package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.webpush.internal.CredentialRefusals;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class CredentialRefusalsTest {
  /** One response: accepted at an origin, or a 401/403 for one of that origin's subscriptions. */
  record Event(boolean accepted, int origin, int subscription) {
    String originName() {
      return "https://push" + origin + ".example";
    }

    String endpoint() {
      return originName() + "/s/" + subscription;
    }
  }

  @Provide
  Arbitrary<List<Event>> histories() {
    Arbitrary<Event> event = Combinators.combine(Arbitraries.of(true, false), Arbitraries.integers().between(0, 2),
        Arbitraries.integers().between(0, 3)).as(Event::new);
    return event.list().ofMaxSize(60);
  }

  /**
   * Against a model of the rule: a refusal concerns the subscription alone exactly when that
   * subscription was refused before and its own push service accepted a request after that.
   */
  @Property(tries = 500)
  void aRefusalIsLocalOnlyWhenRepeatedAfterAnAcceptanceAtTheSameService(@ForAll("histories") List<Event> history) {
    CredentialRefusals refusals = new CredentialRefusals();
    Map<String, Integer> lastRefused = new HashMap<>();
    Map<String, Integer> lastAccepted = new HashMap<>();
    for (int i = 0; i < history.size(); i++) {
      Event e = history.get(i);
      if (e.accepted()) {
        refusals.accepted(e.originName());
        lastAccepted.put(e.originName(), i);
        continue;
      }
      Integer before = lastRefused.put(e.endpoint(), i);
      Integer accepted = lastAccepted.get(e.originName());
      boolean expected = before != null && accepted != null && accepted > before;

      boolean local = refusals.refusedThisSubscriptionOnly(e.originName(), e.endpoint());

      assertThat(local).as("event %d of %s", i, history).isEqualTo(expected);
      if (before == null) {
        assertThat(local).as("a subscription's first refusal is a credential failure").isFalse();
      }
    }
  }

  @Test
  void remembersABoundedNumberOfSubscriptionsForgettingTheLeastRecentlyRefused() {
    CredentialRefusals refusals = new CredentialRefusals();
    String origin = "https://push.example";
    int n = CredentialRefusals.MAX_REMEMBERED + 100;
    for (int i = 0; i < n; i++) {
      assertThat(refusals.refusedThisSubscriptionOnly(origin, origin + "/s/" + i)).isFalse();
    }
    assertThat(refusals.remembered()).isEqualTo(CredentialRefusals.MAX_REMEMBERED);

    refusals.accepted(origin);

    assertThat(refusals.refusedThisSubscriptionOnly(origin, origin + "/s/" + (n - 1))).as("recent: remembered").isTrue();
    assertThat(refusals.refusedThisSubscriptionOnly(origin, origin + "/s/0")).as("oldest: forgotten").isFalse();
  }
}
