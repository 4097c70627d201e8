package dev.herald.testing;

import dev.herald.Delivery;
import dev.herald.DeliveryState;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.EnqueueResult;
import dev.herald.Notification;
import dev.herald.NotificationStatus;
import dev.herald.NotificationStatus.DeliveryStatus;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.Scope;
import dev.herald.spi.InputValidator;
import dev.herald.store.ClaimBatch;
import dev.herald.store.ClaimRequest;
import dev.herald.store.ClaimedDelivery;
import dev.herald.store.Completion;
import dev.herald.spi.DeviceRegistry;
import dev.herald.store.OutboxStore;
import dev.herald.store.Resolution;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An {@link OutboxStore} and {@link DeviceRegistry} in memory: for tests, examples and trying Herald
 * out. It keeps the store contract (idempotent enqueue, leases, fencing, expansion at due time) but
 * nothing survives the process, so it guarantees nothing across a crash. Use
 * {@code herald-outbox-jdbc} in production.
 *
 * <p>Its clock plays the database's clock; inject a settable one for deterministic tests.
 * Thread-safe (one lock).
 */
public final class InMemoryOutboxStore implements OutboxStore, DeviceRegistry {
  private final Clock clock;
  private final Duration dedupWindow;
  private volatile InputValidator scopes = InputValidator.none();

  private long nextId = 1;
  private long nextToken = 1;
  private final Map<String, Long> byKey = new HashMap<>();
  private final Map<Long, Note> notes = new LinkedHashMap<>();
  private final Map<Long, Row> rows = new LinkedHashMap<>();
  private final Map<String, Device> devices = new LinkedHashMap<>();
  private final List<Runnable> subscribers = new CopyOnWriteArrayList<>();

  private static final class Note {
    long id;
    Notification n;
    Instant enqueuedAt;
    DeliveryState ownState = DeliveryState.PENDING; // before expansion
    boolean expanded;
    String reason;
    Instant finishedAt;
    final List<Long> rowIds = new ArrayList<>();
  }

  private static final class Row {
    long id;
    long noteId;
    DeviceTarget target;
    Scope scope;
    DeliveryState state = DeliveryState.PENDING;
    Instant dueAt;
    int attempts;
    long token;
    String owner;
    Instant leaseUntil;
    String lastError;
    String providerId;
    Instant finishedAt;
    boolean fromRegistry;
  }

  /** A store on the system clock with a 7-day dedup window. */
  public InMemoryOutboxStore() {
    this(Clock.systemUTC(), Duration.ofDays(7));
  }

  /** A store on this clock. */
  public InMemoryOutboxStore(Clock clock) {
    this(clock, Duration.ofDays(7));
  }

  /**
   * A store on this clock and dedup window.
   *
   * @param clock plays the database's clock
   * @param dedupWindow how long a finished key still counts as known
   */
  public InMemoryOutboxStore(Clock clock, Duration dedupWindow) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.dedupWindow = Objects.requireNonNull(dedupWindow, "dedupWindow");
  }

  /**
   * Names the scope of each delivery it creates with the transports' {@link InputValidator#scope},
   * as the JDBC outbox does; default every delivery in its channel's one scope (the engine then puts
   * back what it holds back instead of the store skipping it).
   *
   * @return this store
   */
  public InMemoryOutboxStore scopes(InputValidator validator) {
    this.scopes = Objects.requireNonNull(validator, "validator");
    return this;
  }

  // ------------------------------------------------------------------ outbox

  @Override
  public EnqueueResult enqueue(Notification notification) {
    EnqueueResult r;
    synchronized (this) {
      r = enqueueLocked(notification);
    }
    if (r.created()) {
      subscribers.forEach(Runnable::run);
    }
    return r;
  }

  @Override
  public List<EnqueueResult> enqueueAll(List<Notification> notifications) {
    List<EnqueueResult> out = new ArrayList<>();
    synchronized (this) {
      for (Notification n : notifications) {
        out.add(enqueueLocked(n));
      }
    }
    if (out.stream().anyMatch(EnqueueResult::created)) {
      subscribers.forEach(Runnable::run);
    }
    return out;
  }

  private EnqueueResult enqueueLocked(Notification n) {
    Objects.requireNonNull(n, "notification");
    Instant now = clock.instant();
    Long existing = byKey.get(n.idempotencyKey());
    if (existing != null) {
      Note old = notes.get(existing);
      Instant finished = finishedAt(old);
      if (finished == null || finished.plus(dedupWindow).isAfter(now)) {
        return new EnqueueResult(old.id, false);
      }
    }
    Note note = new Note();
    note.id = nextId++;
    note.n = n;
    note.enqueuedAt = now;
    notes.put(note.id, note);
    byKey.put(n.idempotencyKey(), note.id);
    if (n.recipient() instanceof Recipient.ToDevice td) {
      note.expanded = true;
      addRow(note, td.target(), n.notBefore() == null ? now : n.notBefore(), false);
    }
    return new EnqueueResult(note.id, true);
  }

  private void addRow(Note note, DeviceTarget target, Instant due, boolean fromRegistry) {
    Row row = new Row();
    row.id = nextId++;
    row.noteId = note.id;
    row.target = target;
    row.scope = scopes.scope(target);
    row.dueAt = due;
    row.fromRegistry = fromRegistry;
    rows.put(row.id, row);
    note.rowIds.add(row.id);
  }

  private Instant finishedAt(Note note) {
    if (!note.expanded) {
      return note.ownState.terminal() ? note.finishedAt : null;
    }
    Instant last = null;
    for (long id : note.rowIds) {
      Row r = rows.get(id);
      if (!r.state.terminal()) {
        return null;
      }
      if (last == null || r.finishedAt.isAfter(last)) {
        last = r.finishedAt;
      }
    }
    return last == null ? note.enqueuedAt : last;
  }

  @Override
  public synchronized boolean cancel(String idempotencyKey) {
    Long id = byKey.get(idempotencyKey);
    if (id == null) {
      return false;
    }
    Note note = notes.get(id);
    Instant now = clock.instant();
    boolean any = false;
    if (!note.expanded && note.ownState == DeliveryState.PENDING) {
      note.ownState = DeliveryState.CANCELLED;
      note.reason = "cancelled by the host";
      note.finishedAt = now;
      any = true;
    }
    for (long rid : note.rowIds) {
      Row r = rows.get(rid);
      if (r.state == DeliveryState.PENDING) {
        r.state = DeliveryState.CANCELLED;
        r.lastError = "cancelled by the host";
        r.finishedAt = now;
        any = true;
      }
    }
    return any;
  }

  @Override
  public synchronized ClaimBatch claim(ClaimRequest request) {
    Instant now = clock.instant();
    expandDue(now);
    List<ClaimedDelivery> out = new ArrayList<>();
    request.limits().forEach((channel, limit) -> {
      List<Row> candidates = rows.values().stream()
          .filter(r -> r.target.channel().equals(channel))
          .filter(r -> (r.state == DeliveryState.PENDING && !r.dueAt.isAfter(now))
              || (r.state == DeliveryState.IN_FLIGHT && !r.leaseUntil.isAfter(now)))
          .sorted(Comparator.comparing((Row r) -> r.dueAt).thenComparingLong(r -> r.id))
          .toList();
      // In due order, skipping the rows of a scope once it has what its limit allows.
      Map<Scope, Integer> taken = new HashMap<>();
      List<Row> due = new ArrayList<>();
      for (Row r : candidates) {
        if (due.size() >= limit) {
          break;
        }
        int n = taken.getOrDefault(r.scope, 0);
        if (n < request.limit(r.scope)) {
          taken.put(r.scope, n + 1);
          due.add(r);
        }
      }
      for (Row r : due) {
        r.state = DeliveryState.IN_FLIGHT;
        r.token = nextToken++;
        r.owner = request.owner();
        r.leaseUntil = now.plus(request.lease());
        Note note = notes.get(r.noteId);
        Notification n = note.n;
        Delivery d = new Delivery(r.id, n.idempotencyKey(), r.attempts + 1, r.target, n.content(), n.options(),
            n.collapseKey(), n.expiresAt(), r.scope);
        out.add(new ClaimedDelivery(d, r.token, note.enqueuedAt));
      }
    });
    return new ClaimBatch(now, out);
  }

  private void expandDue(Instant now) {
    for (Note note : notes.values()) {
      if (note.expanded || note.ownState != DeliveryState.PENDING) {
        continue;
      }
      Notification n = note.n;
      if (n.notBefore() != null && n.notBefore().isAfter(now)) {
        continue;
      }
      if (n.expiresAt() != null && !n.expiresAt().isAfter(now)) {
        note.ownState = DeliveryState.EXPIRED;
        note.reason = "expired before it fell due";
        note.finishedAt = now;
        continue;
      }
      String recipient = ((Recipient.ById) n.recipient()).recipientId();
      List<Device> active = devices.values().stream()
          .filter(d -> d.recipientId().equals(recipient) && d.status() == Device.Status.ACTIVE)
          .toList();
      note.expanded = true;
      if (active.isEmpty()) {
        note.expanded = false;
        note.ownState = DeliveryState.TARGET_GONE;
        note.reason = "recipient has no active devices";
        note.finishedAt = now;
        continue;
      }
      for (Device d : active) {
        addRow(note, d.target(), now, true);
      }
    }
  }

  @Override
  public synchronized List<Completion> complete(List<Completion> completions) {
    Instant now = clock.instant();
    List<Completion> stale = new ArrayList<>();
    for (Completion c : completions) {
      Row r = rows.get(c.deliveryId());
      if (r == null || r.state != DeliveryState.IN_FLIGHT || r.token != c.fencingToken()) {
        stale.add(c);
        continue;
      }
      r.owner = null;
      r.leaseUntil = null;
      Resolution res = c.resolution();
      if (res.countsAsAttempt()) {
        r.attempts++;
      }
      r.state = res.state();
      r.lastError = res.lastError();
      r.providerId = res.providerId();
      if (res.delay() != null) {
        r.dueAt = now.plus(res.delay());
      } else {
        r.finishedAt = now;
      }
      if (res instanceof Resolution.TargetGone gone && gone.invalidateDevice()) {
        invalidate(r.target, res.lastError(), now);
      }
    }
    return stale;
  }

  private void invalidate(DeviceTarget target, String why, Instant now) {
    String k = key(target);
    Device d = devices.get(k);
    if (d != null && d.status() != Device.Status.INVALID) {
      devices.put(k, new Device(d.recipientId(), d.target(), Device.Status.INVALID, d.registeredAt(), d.lastSeenAt(), now, why));
    }
    // The device's other waiting deliveries would meet the same answer; finish them without sending.
    // A delivery given its target explicitly bypasses the registry, as in the JDBC store.
    for (Row other : rows.values()) {
      if (other.state == DeliveryState.PENDING && other.fromRegistry && key(other.target).equals(k)) {
        finishRow(other, DeliveryState.TARGET_GONE, "device invalidated: " + why, now);
      }
    }
  }

  private static void finishRow(Row r, DeliveryState state, String error, Instant now) {
    r.state = state;
    r.lastError = error;
    r.finishedAt = now;
  }

  @Override
  public synchronized Optional<NotificationStatus> find(String idempotencyKey) {
    Long id = byKey.get(idempotencyKey);
    if (id == null) {
      return Optional.empty();
    }
    Note note = notes.get(id);
    List<DeliveryStatus> ds = new ArrayList<>();
    for (long rid : note.rowIds) {
      Row r = rows.get(rid);
      ds.add(new DeliveryStatus(r.id, r.target, r.state, r.attempts, r.lastError, r.providerId, r.scope));
    }
    DeliveryState state = note.expanded ? NotificationStatus.aggregate(ds.stream().map(DeliveryStatus::state).toList())
        : note.ownState;
    String reason = note.expanded ? ds.stream().map(DeliveryStatus::lastError).filter(Objects::nonNull).findFirst().orElse(null)
        : note.reason;
    if (state == DeliveryState.DELIVERED) {
      reason = null;
    }
    return Optional.of(new NotificationStatus(note.id, idempotencyKey, state, reason, note.enqueuedAt, ds));
  }

  /** Calls {@code wakeUp} after every enqueue that created something, until the handle is closed. */
  @Override
  public Running start(Runnable wakeUp) {
    Objects.requireNonNull(wakeUp, "wakeUp");
    subscribers.add(wakeUp);
    return () -> subscribers.remove(wakeUp);
  }


  /** Every notification's status, in enqueue order: for tests and demos. */
  public synchronized List<NotificationStatus> all() {
    List<NotificationStatus> out = new ArrayList<>();
    for (Note n : notes.values()) {
      find(n.n.idempotencyKey()).ifPresent(out::add);
    }
    return out;
  }

  // ------------------------------------------------------------------ devices

  private static String key(DeviceTarget t) {
    return t.channel().name() + "\u0000" + t.address();
  }

  @Override
  public synchronized Device register(String recipientId, DeviceTarget target) {
    Objects.requireNonNull(target, "target");
    new Recipient.ById(recipientId); // validates the id
    Instant now = clock.instant();
    String k = key(target);
    Device old = devices.get(k);
    Device d = new Device(recipientId, target, Device.Status.ACTIVE, old == null ? now : old.registeredAt(), now, null, null);
    devices.put(k, d);
    return d;
  }

  @Override
  public synchronized Device register(String recipientId, DeviceTarget target, DeviceTarget replaces) {
    Device d = register(recipientId, target);
    if (replaces != null && !key(replaces).equals(key(target))) {
      Device old = devices.get(key(replaces));
      if (old != null) {
        Instant now = clock.instant();
        devices.put(key(replaces), new Device(old.recipientId(), old.target(), Device.Status.RETIRED, old.registeredAt(),
            old.lastSeenAt(), now, "replaced by a newer identity of the same app instance"));
      }
    }
    return d;
  }

  @Override
  public synchronized boolean touch(DeviceTarget target) {
    Device d = devices.get(key(target));
    if (d == null) {
      return false;
    }
    Device.Status status = d.status() == Device.Status.STALE ? Device.Status.ACTIVE : d.status();
    devices.put(key(target), new Device(d.recipientId(), d.target(), status, d.registeredAt(), clock.instant(),
        d.invalidatedAt(), d.invalidReason()));
    return true;
  }

  @Override
  public synchronized boolean unregister(DeviceTarget target) {
    return devices.remove(key(target)) != null;
  }

  @Override
  public synchronized List<Device> devices(String recipientId) {
    return devices.values().stream().filter(d -> d.recipientId().equals(recipientId)).toList();
  }

  @Override
  public synchronized Optional<Device> find(DeviceTarget target) {
    return Optional.ofNullable(devices.get(key(target)));
  }
}
