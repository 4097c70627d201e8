package dev.herald.outbox.jdbc.testing;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.InvalidInputException.Problem;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.spi.Transport;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A Web Push transport that only validates, the way the real one does: an endpoint host outside
 * its allow-list is refused naming {@code endpoint} (the endpoint policy), content longer than a
 * limit naming {@code payload} (the one-record size limit). Sending always delivers.
 */
public final class StrictWebPush implements Transport {
  public static final String ALLOWED_HOST = "push.example.net";
  public static final int MAX_BODY = 100;

  @Override
  public Channel channel() {
    return Channel.WEB_PUSH;
  }

  @Override
  public void validate(DeviceTarget target) {
    if (target instanceof DeviceTarget.WebPushSubscription s && !ALLOWED_HOST.equals(URI.create(s.endpoint()).getHost())) {
      throw new InvalidInputException("web push subscription",
          List.of(new Problem("endpoint", "host is not allowed by the endpoint policy: " + URI.create(s.endpoint()).getHost())));
    }
  }

  @Override
  public void validate(Notification n) {
    if (n.recipient() instanceof Recipient.ToDevice td) {
      validate(td.target());
    }
    String body = n.content().body();
    if (body != null && body.length() > MAX_BODY) {
      throw new InvalidInputException("notification", List.of(new Problem("payload",
          "must be at most " + MAX_BODY + " characters: " + body.length())));
    }
  }

  @Override
  public CompletionStage<Outcome> send(Delivery delivery) {
    return CompletableFuture.completedFuture(Outcome.delivered(null));
  }
}
