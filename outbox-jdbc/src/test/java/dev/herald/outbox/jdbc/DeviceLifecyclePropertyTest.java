package dev.herald.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.internal.PayloadCodec;
import dev.herald.outbox.jdbc.testing.Db;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.spi.Transport;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
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
 * Random interleavings of register, touch, refresh (register replacing another identity),
 * unregister, stale marking, the provider changing its answer for a device (delivered, gone,
 * rejected, retry in an hour), enqueue, engine rounds (one delivery at a time, or everything due)
 * and time passing (retries fall due), against the real outbox and engine. Checked after every step:
 *
 * <ul>
 *   <li><b>safety</b>: every send goes to a device that, when the round started, was active (or
 *       stale, for a delivery expanded before it went stale), belonged to the notification's
 *       recipient, and had not been invalidated, retired, moved or unregistered since the delivery
 *       was expanded; so an invalidated device never receives a send after its invalidation
 *       committed;
 *   <li><b>liveness</b>: a round that takes everything sends each notification that was waiting for
 *       expansion exactly once to every device that was active for its recipient, so a device
 *       registered again after its invalidation receives again;
 *   <li>the devices' rows match the model, and no open delivery is left for a device that no longer
 *       receives its recipient's notifications.
 * </ul>
 */
class DeviceLifecyclePropertyTest {
  static final List<DeviceTarget> DEVICES = List.of(
      new DeviceTarget.FcmToken("tok-a:APA91bExample"), new DeviceTarget.FcmToken("tok-b:APA91bExample"),
      new DeviceTarget.FcmInstallation("fid-a-0123456789abcd"), new DeviceTarget.FcmInstallation("fid-b-0123456789abcd"));
  static final List<String> RECIPIENTS = List.of("r0", "r1");

  final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

  @AfterTry
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    open.clear();
  }

  @Property(tries = 60)
  void invalidatedDevicesAreNeverSentToAndRegisteredOnesAreOnH2(@ForAll("h2") ActionChain<World> chain) {
    chain.withInvariant("store matches model", World::check).run();
  }

  @Property(tries = 30)
  void invalidatedDevicesAreNeverSentToAndRegisteredOnesAreOnPostgresql(@ForAll("postgresql") ActionChain<World> chain) {
    chain.withInvariant("store matches model", World::check).run();
  }

  @Provide
  Arbitrary<ActionChain<World>> h2() {
    return chains(Db.H2);
  }

  @Provide
  Arbitrary<ActionChain<World>> postgresql() {
    return chains(Db.POSTGRESQL);
  }

  private ActionChainArbitrary<World> chains(Db db) {
    return ActionChain.<World>startWith(() -> new World(db, open))
        .withAction(5, new Register())
        .withAction(2, new Touch())
        .withAction(3, new Refresh())
        .withAction(1, new Unregister())
        .withAction(1, new MarkStale())
        .withAction(3, new ProviderSays())
        .withAction(5, new Enqueue())
        .withAction(3, new RoundOfOne())
        .withAction(3, new Drain())
        .withAction(1, new AnHourPasses())
        .withMaxTransformations(30);
  }

  enum Answer { OK, GONE, REJECT, RETRY_IN_AN_HOUR }

  /** The model's view of one registered device. */
  static final class Dev {
    String owner;
    Device.Status status = Device.Status.ACTIVE;
    /** Changes whenever the device stops receiving its owner's pending deliveries. */
    long epoch;

    Dev(String owner, long epoch) {
      this.owner = owner;
      this.epoch = epoch;
    }
  }

  record Sent(long deliveryId, String key, DeviceTarget target) {}

  /** A push service: records every send and answers per device as the test decides. */
  static final class Provider implements Transport {
    final Map<DeviceTarget, Answer> answers = new ConcurrentHashMap<>();
    final List<Sent> sent = new CopyOnWriteArrayList<>();

    @Override
    public Channel channel() {
      return Channel.FCM;
    }

    @Override
    public CompletionStage<Outcome> send(Delivery d) {
      sent.add(new Sent(d.deliveryId(), d.notificationKey(), d.target()));
      return CompletableFuture.completedFuture(switch (answers.getOrDefault(d.target(), Answer.OK)) {
        case OK -> Outcome.delivered("m-" + d.deliveryId());
        case GONE -> Outcome.targetGone("UNREGISTERED", "FCM 404 UNREGISTERED");
        case REJECT -> Outcome.rejected("INVALID_ARGUMENT", "FCM 400 INVALID_ARGUMENT (invalid message [message.data])");
        case RETRY_IN_AN_HOUR -> Outcome.retry(Duration.ofHours(1), "UNAVAILABLE", "FCM 503 UNAVAILABLE");
      });
    }
  }

  /** The outbox and two engines under test, and the model they are checked against. */
  static final class World {
    final Fixture fx;
    final Provider provider = new Provider();
    final Herald one;
    final Herald all;
    final Map<DeviceTarget, Dev> devs = new HashMap<>();
    final Map<String, String> recipientOf = new HashMap<>();
    final Map<Long, Long> deliveryEpoch = new HashMap<>();
    long epochs;
    int keys;

    World(Db db, List<AutoCloseable> open) {
      fx = new Fixture(db);
      open.add(fx);
      one = Herald.builder().store(fx.outbox).transport(provider).batchSize(1).disableTargetGoneSafetyValve()
          .dispatchThreads(1).instanceId("one").build();
      all = Herald.builder().store(fx.outbox).transport(provider).batchSize(500).maxInFlightPerChannel(500)
          .disableTargetGoneSafetyValve().dispatchThreads(2).instanceId("all").build();
      open.add(one);
      open.add(all);
    }

    void registered(String recipient, DeviceTarget d) {
      Dev dev = devs.get(d);
      if (dev == null) {
        devs.put(d, new Dev(recipient, ++epochs));
        return;
      }
      if (!dev.owner.equals(recipient)) {
        dev.epoch = ++epochs; // its pending deliveries were for the previous owner
      }
      dev.owner = recipient;
      dev.status = Device.Status.ACTIVE;
    }

    /** One {@code runOnce()}: every send checked against the model as it was when the round started. */
    int round(Herald h) {
      Map<DeviceTarget, Dev> before = new HashMap<>();
      devs.forEach((t, d) -> {
        Dev copy = new Dev(d.owner, d.epoch);
        copy.status = d.status;
        before.put(t, copy);
      });
      int from = provider.sent.size();
      int n = h.runOnce();
      List<Sent> sends = provider.sent.subList(from, provider.sent.size());
      // Deliveries expanded in this round were expanded against the devices as they were before it.
      query("SELECT d.id, v.address_hash FROM ${p}delivery d JOIN ${p}device v ON v.id = d.device_id", rs -> {
        long id = rs.getLong(1);
        if (!deliveryEpoch.containsKey(id)) {
          Dev d = before.get(byHash(rs.getString(2)));
          deliveryEpoch.put(id, d == null ? -1 : d.epoch);
        }
      });
      for (Sent s : sends) {
        Dev d = before.get(s.target());
        assertThat(d).as(s + ": sent to a device that was not registered").isNotNull();
        assertThat(d.status).as(s + ": sent to a device that was " + d.status)
            .isIn(Device.Status.ACTIVE, Device.Status.STALE);
        assertThat(d.owner).as(s + ": sent to another recipient's device").isEqualTo(recipientOf.get(s.key()));
        assertThat(deliveryEpoch.get(s.deliveryId())).as(s + ": expanded before the device was invalidated, retired,"
            + " moved or unregistered").isEqualTo(d.epoch);
      }
      for (Sent s : sends) {
        Dev d = devs.get(s.target());
        if (provider.answers.getOrDefault(s.target(), Answer.OK) == Answer.GONE && d != null
            && (d.status == Device.Status.ACTIVE || d.status == Device.Status.STALE)) {
          d.status = Device.Status.INVALID;
          d.epoch = ++epochs;
        }
      }
      return n;
    }

    void check() {
      for (DeviceTarget t : DEVICES) {
        Dev d = devs.get(t);
        var row = fx.outbox.find(t);
        if (d == null) {
          assertThat(row).as(t + " is not registered").isEmpty();
        } else {
          assertThat(row).as(t + " is registered").isPresent();
          assertThat(row.get().status()).as("status of " + t).isEqualTo(d.status);
          assertThat(row.get().recipientId()).as("recipient of " + t).isEqualTo(d.owner);
        }
      }
      assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery d JOIN ${p}notification n ON n.id = d.notification_id"
          + " LEFT JOIN ${p}device v ON v.id = d.device_id WHERE d.state IN (0, 1) AND d.device_id IS NOT NULL AND (v.id IS NULL"
          + " OR v.status NOT IN (0, 1) OR v.recipient_id <> n.recipient_id)"))
          .as("open deliveries for devices that no longer receive them").isZero();
    }

    static DeviceTarget byHash(String hash) {
      for (DeviceTarget t : DEVICES) {
        if (PayloadCodec.addressHash(t).equals(hash)) {
          return t;
        }
      }
      throw new AssertionError("unknown device hash " + hash);
    }

    interface Row {
      void accept(ResultSet rs) throws SQLException;
    }

    void query(String sql, Row row) {
      try (Connection c = fx.database.dataSource().getConnection(); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery(sql.replace("${p}", fx.prefix))) {
        while (rs.next()) {
          row.accept(rs);
        }
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  static Arbitrary<DeviceTarget> device() {
    return Arbitraries.of(DEVICES);
  }

  static Arbitrary<String> recipient() {
    return Arbitraries.of(RECIPIENTS);
  }

  static final class Register implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Combinators.combine(recipient(), device(), Arbitraries.of(false, true)).as((r, d, inCallersTx) ->
          Transformer.mutate("register " + d + " for " + r + (inCallersTx ? " in the caller's transaction" : ""), w -> {
            Device got;
            if (inCallersTx) {
              try (Connection c = w.fx.database.dataSource().getConnection()) {
                c.setAutoCommit(false);
                got = w.fx.outbox.register(c, r, d);
                c.commit();
              } catch (SQLException e) {
                throw new IllegalStateException(e);
              }
            } else {
              got = w.fx.outbox.register(r, d);
            }
            assertThat(got.status()).isEqualTo(Device.Status.ACTIVE);
            assertThat(got.recipientId()).isEqualTo(r);
            w.registered(r, d);
            w.provider.answers.remove(d); // the app holds a working identity again
          }));
    }
  }

  static final class Touch implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return device().map(d -> Transformer.mutate("touch " + d, w -> {
        Dev dev = w.devs.get(d);
        assertThat(w.fx.outbox.touch(d)).isEqualTo(dev != null);
        if (dev != null && dev.status == Device.Status.STALE) {
          dev.status = Device.Status.ACTIVE;
        }
      }));
    }
  }

  static final class Refresh implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Combinators.combine(recipient(), device(), device()).as((r, now, old) ->
          Transformer.mutate("register " + now + " for " + r + " replacing " + old, w -> {
            assertThat(w.fx.outbox.register(r, now, old).status()).isEqualTo(Device.Status.ACTIVE);
            w.registered(r, now);
            w.provider.answers.remove(now);
            Dev replaced = w.devs.get(old);
            if (!old.equals(now) && replaced != null) {
              replaced.status = Device.Status.RETIRED;
              replaced.epoch = ++w.epochs;
            }
          }));
    }
  }

  static final class Unregister implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return device().map(d -> Transformer.mutate("unregister " + d, w -> {
        assertThat(w.fx.outbox.unregister(d)).isEqualTo(w.devs.remove(d) != null);
      }));
    }
  }

  static final class MarkStale implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return device().map(d -> Transformer.mutate("not seen for 61 days: " + d + "; prune", w -> {
        w.fx.execute("UPDATE ${p}device SET last_seen_at = CURRENT_TIMESTAMP - INTERVAL '61' DAY WHERE address_hash = '"
            + PayloadCodec.addressHash(d) + "'");
        Dev dev = w.devs.get(d);
        boolean marks = dev != null && dev.status == Device.Status.ACTIVE;
        assertThat(w.fx.outbox.admin().pruneDevices()).isEqualTo(new PrunedDevices(marks ? 1 : 0, 0));
        if (marks) {
          dev.status = Device.Status.STALE;
        }
      }));
    }
  }

  static final class ProviderSays implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Combinators.combine(device(), Arbitraries.of(Answer.class)).as((d, a) ->
          Transformer.mutate("the provider now answers " + a + " for " + d, w -> w.provider.answers.put(d, a)));
    }
  }

  static final class Enqueue implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return recipient().map(r -> Transformer.mutate("enqueue for " + r, w -> {
        String key = "n" + (++w.keys);
        w.recipientOf.put(key, r);
        assertThat(w.fx.outbox.enqueue(Notification.builder(key).recipient(Recipient.id(r)).title("t").build())
            .created()).isTrue();
      }));
    }
  }

  static final class RoundOfOne implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Arbitraries.just(Transformer.mutate("one engine round of one delivery", w -> w.round(w.one)));
    }
  }

  static final class AnHourPasses implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Arbitraries.just(Transformer.mutate("an hour passes (retries fall due)", w ->
          w.fx.execute("UPDATE ${p}delivery SET next_at = CURRENT_TIMESTAMP WHERE state = 0")));
    }
  }

  static final class Drain implements Action.Independent<World> {
    @Override
    public Arbitrary<Transformer<World>> transformer() {
      return Arbitraries.just(Transformer.mutate("engine rounds until nothing is due", w -> {
        Map<String, List<DeviceTarget>> expected = new HashMap<>();
        w.query("SELECT idempotency_key, recipient_id FROM ${p}notification WHERE state = 0", rs -> {
          String key = rs.getString(1);
          String recipient = rs.getString(2);
          List<DeviceTarget> active = new ArrayList<>();
          w.devs.forEach((t, d) -> {
            if (d.owner.equals(recipient) && d.status == Device.Status.ACTIVE) {
              active.add(t);
            }
          });
          expected.put(key, active);
        });
        int from = w.provider.sent.size();
        for (int i = 0; i < 10 && w.round(w.all) > 0; i++) {
          // until nothing is claimed
        }
        List<Sent> sends = w.provider.sent.subList(from, w.provider.sent.size());
        expected.forEach((key, targets) -> assertThat(sends.stream().filter(s -> s.key().equals(key)).map(Sent::target))
            .as("sends of " + key + ", waiting for expansion when the rounds began").containsExactlyInAnyOrderElementsOf(targets));
        assertThat(w.fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE state IN (0, 1) AND next_at <= CURRENT_TIMESTAMP"))
            .as("due deliveries left").isZero();
        assertThat(w.fx.count("SELECT COUNT(*) FROM ${p}notification WHERE state = 0")).as("unexpanded left").isZero();
      }));
    }
  }
}
