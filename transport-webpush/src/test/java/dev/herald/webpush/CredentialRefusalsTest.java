package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.webpush.internal.CredentialRefusals;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class CredentialRefusalsTest {
  /** One request: to one of a few subscriptions of one of a few push services, and its answer. */
  record Request(int origin, int subscription, boolean accepted) {
    String originName() {
      return "https://push" + origin + ".example";
    }

    String endpoint() {
      return originName() + "/s/" + subscription;
    }
  }

  @Provide
  Arbitrary<List<Request>> requests() {
    return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 3),
        Arbitraries.of(true, false)).as(Request::new).list().ofMaxSize(40);
  }

  /**
   * Against a model of the rule, with requests in flight concurrently and answered in any order: a
   * refusal concerns the subscription alone exactly when that subscription was refused before and
   * its own push service has accepted a request that was sent after that earlier refusal came back.
   */
  @Property(tries = 500)
  void aRefusalIsLocalOnlyWhenRepeatedAfterAnAcceptanceOfALaterRequest(
      @ForAll("requests") List<Request> requests, @ForAll long seed) {
    Random random = new Random(seed);
    CredentialRefusals refusals = new CredentialRefusals();
    int time = 0;
    long[] tickets = new long[requests.size()];
    int[] sentAt = new int[requests.size()];
    List<Integer> inFlight = new ArrayList<>();
    Map<String, Integer> lastRefusedAt = new HashMap<>();
    Map<String, Integer> latestAcceptedSend = new HashMap<>();
    int next = 0;
    while (next < requests.size() || !inFlight.isEmpty()) {
      time++;
      if (next < requests.size() && (inFlight.isEmpty() || random.nextBoolean())) {
        tickets[next] = refusals.sending();
        sentAt[next] = time;
        inFlight.add(next++);
        continue;
      }
      int i = inFlight.remove(random.nextInt(inFlight.size()));
      Request r = requests.get(i);
      if (r.accepted()) {
        refusals.accepted(r.originName(), tickets[i]);
        latestAcceptedSend.merge(r.originName(), sentAt[i], Math::max);
        continue;
      }
      Integer before = lastRefusedAt.put(r.endpoint(), time);
      Integer acceptedSend = latestAcceptedSend.get(r.originName());
      boolean expected = before != null && acceptedSend != null && acceptedSend > before;

      boolean local = refusals.refusedThisSubscriptionOnly(r.originName(), r.endpoint());

      assertThat(local).as("request %d of %s, seed %d", i, requests, seed).isEqualTo(expected);
      if (before == null) {
        assertThat(local).as("a subscription's first refusal is a credential failure").isFalse();
      }
    }
  }

  @Test
  void anAcceptanceOfARequestSentBeforeTheRefusalCameBackDoesNotCount() {
    CredentialRefusals refusals = new CredentialRefusals();
    String origin = "https://push.example";
    long early = refusals.sending();
    assertThat(refusals.refusedThisSubscriptionOnly(origin, origin + "/s/a")).isFalse();
    // Sent before the refusal came back, answered after it: proves nothing about the credentials now.
    refusals.accepted(origin, early);
    assertThat(refusals.refusedThisSubscriptionOnly(origin, origin + "/s/a")).isFalse();

    refusals.accepted(origin, refusals.sending());
    assertThat(refusals.refusedThisSubscriptionOnly(origin, origin + "/s/a")).isTrue();
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

    refusals.accepted(origin, refusals.sending());

    assertThat(refusals.refusedThisSubscriptionOnly(origin, origin + "/s/" + (n - 1))).as("recent: remembered").isTrue();
    assertThat(refusals.refusedThisSubscriptionOnly(origin, origin + "/s/0")).as("oldest: forgotten").isFalse();
  }
}
