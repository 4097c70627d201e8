package dev.herald.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.DeviceTarget;
import dev.herald.EnqueueResult;
import dev.herald.Notification;
import dev.herald.NotificationStatus;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.internal.Codes;
import dev.herald.outbox.jdbc.testing.Db;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.store.ClaimedDelivery;
import dev.herald.store.Completion;
import dev.herald.store.Resolution;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.ActionChainArbitrary;
import net.jqwik.api.state.Transformer;

/**
 * Random sequences of enqueue (often of a known key), cancel, claim, every resolution (current and
 * stale), lease expiry, purge and re-queue, run against the real store and checked after every step
 * against a simple model: every notification in exactly the state the model says, no key delivered
 * twice, nothing lost, stale completions reported and without effect.
 */
class OutboxModelProperties {
  // The PostgreSQL run is PostgresOutboxModelProperties, so that a missing server fails (or is
  // skipped) once for the container rather than rejecting every try.
  static final List<String> KEYS = List.of("k0", "k1", "k2", "k3", "k4", "k5");
  static final List<String> OWNERS = List.of("engine-a", "engine-b");

  final List<Fixture> fixtures = new CopyOnWriteArrayList<>();

  @AfterTry
  void closeFixtures() {
    fixtures.forEach(Fixture::close);
    fixtures.clear();
  }

  @Property(tries = 30)
  void storeMatchesTheModelOnH2(@ForAll("h2") ActionChain<World> chain) {
    chain.withInvariant("store matches model", World::check).run();
  }

  @Provide
  Arbitrary<ActionChain<World>> h2() {
    return chains(Db.H2);
  }

  ActionChainArbitrary<World> chains(Db db) {
    return ActionChain.<World>startWith(() -> {
          Fixture fx = new Fixture(db, b -> b.retention(Duration.ZERO));
          fixtures.add(fx);
          return new World(fx);
        })
        .withAction(4, new Enqueue())
        .withAction(1, new Cancel())
        .withAction(4, new Claim())
        .withAction(5, new Complete())
        .withAction(1, new ExpireLeases())
        .withAction(1, new Purge())
        .withAction(1, new Requeue())
        .withMaxTransformations(30);
  }

  /** The model's view of one notification (one explicit device, so one delivery). */
  static final class Note {
    final long id;
    final long deliveryId;
    int state = Codes.PENDING;
    boolean due = true;
    long token;
    String owner;
    boolean leaseExpired;
    int attempts;
    int delivered;
    boolean purged;

    Note(long id, long deliveryId) {
      this.id = id;
      this.deliveryId = deliveryId;
    }

    boolean claimable() {
      return !purged && ((state == Codes.PENDING && due) || (state == Codes.IN_FLIGHT && leaseExpired));
    }

    boolean terminal() {
      return state != Codes.PENDING && state != Codes.IN_FLIGHT;
    }
  }

  record Held(String key, long deliveryId, long token) {}

  /** The store under test and the model it is checked against. */
  static final class World {
    final Fixture fx;
    final Map<String, Note> notes = new LinkedHashMap<>();
    final List<Held> claims = new ArrayList<>();

    World(Fixture fx) {
      this.fx = fx;
    }

    void check() {
      Map<String, long[]> rows = new HashMap<>();
      try (Connection c = fx.database.dataSource().getConnection(); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT n.idempotency_key, n.id, d.id, d.state, d.attempts FROM " + fx.prefix
              + "notification n JOIN " + fx.prefix + "delivery d ON d.notification_id = n.id")) {
        while (rs.next()) {
          long[] previous = rows.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3), rs.getInt(4), rs.getInt(5)});
          assertThat(previous).as("one notification and one delivery per key").isNull();
        }
      } catch (java.sql.SQLException e) {
        throw new IllegalStateException(e);
      }
      long live = 0;
      for (Map.Entry<String, Note> e : notes.entrySet()) {
        Note n = e.getValue();
        assertThat(n.delivered).as("deliveries of " + e.getKey()).isLessThanOrEqualTo(1);
        long[] row = rows.get(e.getKey());
        if (n.purged) {
          assertThat(row).as(e.getKey() + " was purged").isNull();
          continue;
        }
        live++;
        assertThat(row).as(e.getKey() + " is lost").isNotNull();
        assertThat(row[0]).isEqualTo(n.id);
        assertThat(row[1]).isEqualTo(n.deliveryId);
        assertThat((int) row[2]).as("state of " + e.getKey()).isEqualTo(n.state);
        assertThat((int) row[3]).as("attempts of " + e.getKey()).isEqualTo(n.attempts);
      }
      assertThat(rows).hasSize((int) live);
      assertThat(fx.count("SELECT COUNT(*) FROM ${p}dedup")).as("every key stays known").isEqualTo(notes.size());
    }
  }

  static Notification notification(String key) {
    return Notification.builder(key).recipient(Recipient.device(new DeviceTarget.FcmToken("device-" + key)))
        .title("t").build();
  }

  static final class Enqueue implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Arbitraries.of(KEYS).map(key -> Transformer.mutate("enqueue " + key, w -> {
        EnqueueResult r = w.fx.outbox.enqueue(notification(key));
        Note known = w.notes.get(key);
        if (known != null) {
          assertThat(r).isEqualTo(new EnqueueResult(known.id, false));
          return;
        }
        assertThat(r.created()).isTrue();
        NotificationStatus s = w.fx.outbox.find(key).orElseThrow();
        w.notes.put(key, new Note(r.notificationId(), s.deliveries().get(0).deliveryId()));
      }));
    }
  }

  static final class Cancel implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Arbitraries.of(KEYS).map(key -> Transformer.mutate("cancel " + key, w -> {
        Note n = w.notes.get(key);
        boolean expected = n != null && !n.purged && n.state == Codes.PENDING;
        assertThat(w.fx.outbox.cancel(key)).isEqualTo(expected);
        if (expected) {
          n.state = Codes.CANCELLED;
        }
      }));
    }
  }

  static final class Claim implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Combinators.combine(Arbitraries.of(OWNERS), Arbitraries.integers().between(1, 4))
          .as((owner, limit) -> Transformer.mutate("claim " + limit + " by " + owner, w -> {
            long claimable = w.notes.values().stream().filter(Note::claimable).count();
            List<ClaimedDelivery> got = w.fx.claim(owner, Channel.FCM, limit, Fixture.LONG_LEASE).deliveries();
            assertThat(got).as("claimed of " + claimable + " claimable").hasSize((int) Math.min(limit, claimable));
            for (ClaimedDelivery d : got) {
              String key = d.delivery().notificationKey();
              Note n = w.notes.get(key);
              assertThat(n.claimable()).as(key + " was claimable").isTrue();
              assertThat(d.delivery().deliveryId()).isEqualTo(n.deliveryId);
              assertThat(d.fencingToken()).isGreaterThan(n.token);
              assertThat(d.delivery().attempt()).isEqualTo(n.attempts + 1);
              n.state = Codes.IN_FLIGHT;
              n.token = d.fencingToken();
              n.owner = owner;
              n.leaseExpired = false;
              w.claims.add(new Held(key, d.delivery().deliveryId(), d.fencingToken()));
            }
          }));
    }
  }

  static final class Complete implements Action.Dependent<World> {
    @Override
    public boolean precondition(World w) {
      return !w.claims.isEmpty();
    }

    @Override
    public Arbitrary<Transformer<World>> transformer(World w) {
      // Picks a claim by its position, resolved when the step runs: shrinking replays steps on a
      // fresh store, where ids and tokens captured at generation time would mean something else.
      Arbitrary<Integer> index = Arbitraries.integers().between(0, w.claims.size() - 1);
      Arbitrary<Resolution> resolution = Arbitraries.of(
          new Resolution.Delivered("p"),
          new Resolution.Retry(Duration.ZERO, Outcome.retry("503", "unavailable")),
          new Resolution.Retry(Duration.ofHours(1), Outcome.retry("429", "later")),
          new Resolution.Dead(Outcome.rejected("400", "bad")),
          new Resolution.Cancelled("vetoed"),
          new Resolution.Expired(),
          new Resolution.TargetGone((Outcome.TargetGone) Outcome.targetGone("404", "gone"), true),
          new Resolution.Release(Duration.ZERO, "paused"));
      return Combinators.combine(index, resolution).as((i, r) -> Transformer.mutate(
          "complete claim #" + i + " as " + describe(r), world -> {
            if (world.claims.isEmpty()) {
              return;
            }
            Held h = world.claims.get(i % world.claims.size());
            Note n = world.notes.get(h.key());
            boolean current = !n.purged && n.state == Codes.IN_FLIGHT && n.token == h.token();
            Completion c = new Completion(h.deliveryId(), h.token(), r);
            List<Completion> stale = world.fx.outbox.complete(List.of(c));
            assertThat(stale).as("stale?").isEqualTo(current ? List.of() : List.of(c));
            if (!current) {
              return;
            }
            n.owner = null;
            if (r instanceof Resolution.Delivered) {
              n.state = Codes.DELIVERED;
              n.attempts++;
              n.delivered++;
            } else if (r instanceof Resolution.Retry retry) {
              n.state = Codes.PENDING;
              n.due = retry.delay().isZero();
              n.attempts++;
            } else if (r instanceof Resolution.Dead) {
              n.state = Codes.DEAD;
              n.attempts++;
            } else if (r instanceof Resolution.Cancelled) {
              n.state = Codes.CANCELLED;
            } else if (r instanceof Resolution.Expired) {
              n.state = Codes.EXPIRED;
            } else if (r instanceof Resolution.TargetGone) {
              n.state = Codes.TARGET_GONE;
              n.attempts++;
            } else if (r instanceof Resolution.Release) {
              n.state = Codes.PENDING;
              n.due = true;
            }
          }));
    }
  }

  static String describe(Resolution r) {
    if (r instanceof Resolution.Retry retry) {
      return "Retry(" + retry.delay() + ")";
    }
    return r.getClass().getSimpleName();
  }

  static final class ExpireLeases implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Arbitraries.of(OWNERS).map(owner -> Transformer.mutate("expire leases of " + owner, w -> {
        long expected = w.notes.values().stream()
            .filter(n -> !n.purged && n.state == Codes.IN_FLIGHT && owner.equals(n.owner)).count();
        assertThat(w.fx.outbox.admin().expireLeases(owner)).isEqualTo((int) expected);
        w.notes.values().stream().filter(n -> !n.purged && n.state == Codes.IN_FLIGHT && owner.equals(n.owner))
            .forEach(n -> n.leaseExpired = true);
      }));
    }
  }

  static final class Purge implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Arbitraries.just(Transformer.mutate("purge", w -> {
        w.fx.outbox.purge();
        for (Map.Entry<String, Note> e : w.notes.entrySet()) {
          Note n = e.getValue();
          if (!n.purged && w.fx.outbox.find(e.getKey()).isEmpty()) {
            assertThat(n.terminal()).as(e.getKey() + " purged while open").isTrue();
            n.purged = true;
          }
        }
      }));
    }
  }

  static final class Requeue implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Arbitraries.of(KEYS).map(key -> Transformer.mutate("requeue " + key, w -> {
        Note n = w.notes.get(key);
        boolean dead = n != null && !n.purged && n.state == Codes.DEAD;
        assertThat(w.fx.outbox.admin().requeue(DeadLetterQuery.byKey(key))).isEqualTo(dead ? 1 : 0);
        if (dead) {
          n.state = Codes.PENDING;
          n.due = true;
          n.attempts = 0;
        }
      }));
    }
  }
}
