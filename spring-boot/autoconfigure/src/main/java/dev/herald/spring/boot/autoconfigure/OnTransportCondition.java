package dev.herald.spring.boot.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * A transport is configured when its {@code enabled} property says so, or, when that is unset,
 * when its credential property is set.
 */
abstract class OnTransportCondition extends SpringBootCondition {
  private final String prefix;
  private final String credential;

  OnTransportCondition(String prefix, String credential) {
    this.prefix = prefix;
    this.credential = credential;
  }

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    // The Binder reads properties as @ConfigurationProperties does, so HERALD_FCM_SERVICEACCOUNT in
    // the environment counts as herald.fcm.service-account.
    Binder binder = Binder.get(context.getEnvironment());
    Boolean enabled = binder.bind(prefix + "enabled", Boolean.class).orElse(null);
    if (enabled != null) {
      return new ConditionOutcome(enabled, prefix + "enabled is " + enabled);
    }
    boolean set = binder.bind(prefix + credential, String.class).isBound();
    return new ConditionOutcome(set, prefix + credential + (set ? " is set" : " is not set"));
  }

  /** The FCM transport: {@code herald.fcm.enabled}, else {@code herald.fcm.service-account} set. */
  static final class Fcm extends OnTransportCondition {
    Fcm() {
      super("herald.fcm.", "service-account");
    }
  }

  /** The Web Push transport: {@code herald.web-push.enabled}, else {@code herald.web-push.vapid.private-key} set. */
  static final class WebPush extends OnTransportCondition {
    WebPush() {
      super("herald.web-push.", "vapid.private-key");
    }
  }
}
