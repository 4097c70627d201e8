package dev.herald.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.JdbcOutbox;
import dev.herald.reliability.support.CountingTransport;
import dev.herald.reliability.support.H2;
import dev.herald.reliability.support.OutboxProbe;
import dev.herald.reliability.support.Stacks;
import dev.herald.testing.webpush.PushSubscriber;
import dev.herald.webpush.VapidKeys;
import dev.herald.webpush.WebPushTransport;
import org.junit.jupiter.api.Test;

/**
 * Regression tests for two defects this suite found: input that a transport would refuse at send
 * time (a forbidden endpoint, a payload over RFC 8291's limit) used to be stored and end as a dead
 * letter. {@code Herald.enqueue} now asks the transports first ({@code InputValidator}), so it is
 * refused naming the field with nothing stored and nothing sent.
 */
class EnqueueRefusalRegressionTest {
  private static final DeviceTarget.WebPushSubscription GOOD =
      PushSubscriber.generate().subscriptionAt("https://fcm.googleapis.com/fcm/send/known-bug-subscription");

  /**
   * Was a bug (core, {@code Herald.enqueue} / outbox enqueue): a notification to an explicit device
   * ({@code Recipient.device}) is stored without the channel transport's {@link
   * dev.herald.spi.Transport#validate} check, so a Web Push endpoint the endpoint policy forbids (a
   * private address here) is written to the outbox and only refused at send time, where it becomes a
   * dead letter. {@code Herald.devices().register} does check; enqueue should too. (It is never
   * sent: the policy is applied again before sending and on the resolved address.)
   */
  @Test
  void explicitTargetWithForbiddenEndpointIsRefusedAndNothingStored() {
    try (HikariDataSource ds = H2.create("bug1")) {
      JdbcOutbox outbox = Stacks.outbox(ds);
      outbox.migrate();
      CountingTransport webPush = new CountingTransport(WebPushTransport.builder().vapidKeys(VapidKeys.generate())
          .subject(Stacks.SUBJECT).build());
      Herald herald = Herald.builder().store(outbox).deviceRegistry(outbox).transport(webPush).build();
      DeviceTarget internal = new DeviceTarget.WebPushSubscription("https://10.0.0.7/push/internal-admin",
          GOOD.p256dh(), GOOD.auth());
      Throwable thrown = catchThrowable(() -> herald.enqueue(Notification.builder("bug-1")
          .recipient(Recipient.device(internal)).title("t").build()));
      herald.drain(3);
      long[] rows = new OutboxProbe(ds).rows();
      herald.close();

      assertThat(thrown).as("enqueue to an endpoint the policy forbids").isInstanceOf(InvalidInputException.class);
      assertThat(((InvalidInputException) thrown).fields()).contains("endpoint");
      assertThat(rows).as("rows in notification, delivery, dedup, device").containsOnly(0L);
    }
  }

  /**
   * Was a bug (core {@code Content}/{@code Notification}, with {@code transport-webpush}): content
   * whose Web Push payload exceeds RFC 8291's 3993 octets (here 8 KB of data) is accepted and stored;
   * the Web Push transport refuses it only at send time, as a dead letter. The issue asks for
   * oversized payloads to be refused naming the field with nothing stored. FCM offers
   * {@code FcmTransport.validateContent} for this; Web Push has no equivalent before storing, and
   * {@code Content} has no size limit on data.
   */
  @Test
  void oversizedWebPushPayloadIsRefusedAndNothingStored() {
    try (HikariDataSource ds = H2.create("bug2")) {
      JdbcOutbox outbox = Stacks.outbox(ds);
      outbox.migrate();
      CountingTransport webPush = new CountingTransport(WebPushTransport.builder().vapidKeys(VapidKeys.generate())
          .subject(Stacks.SUBJECT).build());
      Herald herald = Herald.builder().store(outbox).deviceRegistry(outbox).transport(webPush).build();
      herald.devices().register("member-1", GOOD);
      Throwable thrown = catchThrowable(() -> herald.enqueue(Notification.builder("bug-2")
          .recipient(Recipient.id("member-1")).title("t").data("blob", "x".repeat(8 * 1024)).build()));
      herald.drain(3);
      OutboxProbe probe = new OutboxProbe(ds);
      long notifications = probe.notifications();
      long dead = probe.dead();
      herald.close();

      assertThat(thrown).as("enqueue of an 8 KB Web Push payload").isInstanceOf(InvalidInputException.class);
      assertThat(((InvalidInputException) thrown).fields()).containsExactly("payload");
      assertThat(notifications).as("notifications stored").isZero();
      assertThat(dead).as("dead letters").isZero();
    }
  }
}
