package dev.herald.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.outbox.jdbc.OutboxSchemaException;
import dev.herald.testing.fcm.TestServiceAccount;
import dev.herald.webpush.VapidKeys;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.support.SpringFactoriesLoader;

/**
 * Bad configuration fails start-up with a message that names the property and says what to do, as
 * Spring Boot prints it; no credential appears in it.
 */
class StartupFailureTest {
  private static final String SUBJECT = "herald.web-push.subject=mailto:ops@herald.dev";

  private static ApplicationContextRunner withHostTransport(Db db) {
    return Runners.jdbc(db).withUserConfiguration(HeraldAutoConfigurationTest.HostTransport.class);
  }

  private static FailureAnalysis analysis(AssertableApplicationContext ctx) {
    assertThat(ctx).hasFailed();
    FailureAnalysis a = new HeraldFailureAnalyzer().analyze(ctx.getStartupFailure());
    assertThat(a).as("analysed by Herald: %s", ctx.getStartupFailure()).isNotNull();
    return a;
  }

  @Test
  void theAnalyzerIsRegisteredWithSpringBoot() {
    // Some of Spring Boot's own analyzers need a bean factory; those are skipped, ours needs nothing.
    List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation()
        .load(FailureAnalyzer.class, null, (type, name, failure) -> {});
    assertThat(analyzers).anyMatch(a -> a instanceof HeraldFailureAnalyzer);
  }

  @Test
  void aValueTheBuilderRefusesNamesItsProperty() {
    withHostTransport(Db.H2).withPropertyValues("herald.engine.batch-size=0").run(ctx -> {
      FailureAnalysis a = analysis(ctx);
      assertThat(a.getDescription()).contains("herald.engine.batch-size").contains("batchSize must be >= 1: 0");
      assertThat(a.getAction()).contains("herald.engine.batch-size");
      assertThat(((HeraldStartupException) a.getCause()).properties()).containsExactly("herald.engine.batch-size");
    });
  }

  @Test
  void aRefusedCombinationNamesEveryPropertyInIt() {
    withHostTransport(Db.H2).withPropertyValues("herald.engine.channel-pause=10m", "herald.engine.max-channel-pause=1m")
        .run(ctx -> assertThat(((HeraldStartupException) analysis(ctx).getCause()).properties())
            .containsExactlyInAnyOrder("herald.engine.channel-pause", "herald.engine.max-channel-pause"));
  }

  @Test
  void theRetryPolicysPropertiesAreNamedToo() {
    withHostTransport(Db.H2).withPropertyValues("herald.engine.retry.multiplier=0.5").run(ctx -> {
      FailureAnalysis a = analysis(ctx);
      assertThat(a.getDescription()).contains("herald.engine.retry.multiplier").contains("multiplier must be >= 1");
    });
  }

  @Test
  void aPartlySetSafetyValveNamesWhatIsMissing() {
    withHostTransport(Db.H2).withPropertyValues("herald.engine.target-gone-safety-valve.share=0.3").run(ctx ->
        assertThat(((HeraldStartupException) analysis(ctx).getCause()).properties()).containsExactly(
            "herald.engine.target-gone-safety-valve.min-samples", "herald.engine.target-gone-safety-valve.window"));
    withHostTransport(Db.H2).withPropertyValues("herald.engine.target-gone-safety-valve.share=0.3",
            "herald.engine.target-gone-safety-valve.min-samples=0", "herald.engine.target-gone-safety-valve.window=1m")
        .run(ctx -> assertThat(((HeraldStartupException) analysis(ctx).getCause()).properties())
            .containsExactly("herald.engine.target-gone-safety-valve.min-samples"));
  }

  @Test
  void anInvalidServiceAccountIsNamedWithoutItsKey() {
    String json = "{\"type\":\"service_account\",\"project_id\":\"herald-test\",\"client_email\":\"a@b.iam\","
        + "\"private_key\":\"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANsecretsecretsecret\\n-----END PRIVATE KEY-----\\n\","
        + "\"token_uri\":\"https://oauth2.googleapis.com/token\"}";
    Runners.jdbc(Db.H2).withPropertyValues("herald.fcm.service-account=" + json).run(ctx -> {
      FailureAnalysis a = analysis(ctx);
      assertThat(a.getDescription()).contains("herald.fcm.service-account").contains("private_key")
          .doesNotContain("secretsecret");
      assertThat(String.valueOf(ctx.getStartupFailure())).doesNotContain("secretsecret");
    });
  }

  @Test
  void aMissingCredentialFileIsNamedAndAValueThatMayBeASecretIsNotShown() {
    Runners.jdbc(Db.H2).withPropertyValues("herald.fcm.service-account=file:/nonexistent/herald/firebase.json").run(ctx -> {
      FailureAnalysis a = analysis(ctx);
      assertThat(a.getDescription()).contains("herald.fcm.service-account").contains("file:/nonexistent/herald/firebase.json");
    });
    Runners.jdbc(Db.H2).withPropertyValues("herald.web-push.vapid.private-key=x9Gk2mQ7vLp0Rt5Wz8Yb3Nc6Hd1Fj4Sa", SUBJECT)
        .run(ctx -> {
          FailureAnalysis a = analysis(ctx);
          assertThat(a.getDescription()).contains("herald.web-push.vapid.private-key").contains("not shown")
              .doesNotContain("x9Gk2mQ7vLp0Rt5Wz8Yb3Nc6Hd1Fj4Sa");
        });
  }

  @Test
  void aCredentialIsReadFromAClasspathLocation() {
    // The service account of the classpath resource is invalid on purpose: reading it is what is tested.
    Runners.jdbc(Db.H2).withPropertyValues("herald.fcm.service-account=classpath:invalid-service-account.json")
        .run(ctx -> assertThat(analysis(ctx).getDescription()).contains("herald.fcm.service-account")
            .contains("project_id"));
  }

  @Test
  void webPushNeedsASubjectThePushServicesAccept() {
    String pem = VapidKeys.generate().toPem();
    Runners.jdbc(Db.H2).withPropertyValues("herald.web-push.vapid.private-key=" + pem).run(ctx -> {
      FailureAnalysis a = analysis(ctx);
      assertThat(a.getDescription()).contains("herald.web-push.subject");
      assertThat(a.getDescription()).doesNotContain(pem.lines().skip(1).findFirst().orElseThrow());
    });
    Runners.jdbc(Db.H2).withPropertyValues("herald.web-push.vapid.private-key=" + pem,
            "herald.web-push.subject=mailto:ops@example.com")
        .run(ctx -> assertThat(analysis(ctx).getDescription()).contains("herald.web-push.subject").contains("subject"));
  }

  @Test
  void anUnreadableVapidKeyIsNamed() {
    Runners.jdbc(Db.H2).withPropertyValues(
            "herald.web-push.vapid.private-key=-----BEGIN PRIVATE KEY-----\nAAAAsecretAAAA\n-----END PRIVATE KEY-----", SUBJECT)
        .run(ctx -> assertThat(analysis(ctx).getDescription()).contains("herald.web-push.vapid.private-key")
            .doesNotContain("AAAAsecretAAAA"));
  }

  @Test
  void anEndpointPolicyThatAllowsNothingIsNamed() {
    String pem = VapidKeys.generate().toPem();
    Runners.jdbc(Db.H2).withPropertyValues("herald.web-push.vapid.private-key=" + pem, SUBJECT,
            "herald.web-push.endpoint-policy.known-push-services=false")
        .run(ctx -> assertThat(((HeraldStartupException) analysis(ctx).getCause()).properties())
            .contains("herald.web-push.endpoint-policy.known-push-services"));
  }

  @Test
  void anEnabledTransportWithoutCredentialsIsNamed() {
    Runners.jdbc(Db.H2).withPropertyValues("herald.fcm.enabled=true")
        .run(ctx -> assertThat(analysis(ctx).getDescription()).contains("herald.fcm.service-account"));
  }

  @Test
  void noTransportAtAll() {
    Runners.jdbc(Db.H2).run(ctx -> {
      FailureAnalysis a = analysis(ctx);
      assertThat(a.getDescription()).contains("no transport");
      assertThat(a.getAction()).contains("herald.fcm.service-account").contains("herald.web-push.vapid.private-key")
          .contains("herald.enabled=false");
    });
  }

  @Test
  void twoTransportsForOneChannelAreNamed() {
    String account = TestServiceAccount.generate("herald-test").json("https://oauth2.googleapis.com/token");
    withHostTransport(Db.H2).withPropertyValues("herald.fcm.service-account=" + account).run(ctx -> {
      FailureAnalysis a = analysis(ctx);
      assertThat(a.getDescription()).contains("channel fcm").contains("fcmLike").contains("heraldFcmTransport");
      assertThat(a.getAction()).contains("herald.fcm.enabled=false");
    });
  }

  @Test
  void noDataSource() {
    new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(HeraldAutoConfiguration.class))
        .withUserConfiguration(HeraldAutoConfigurationTest.HostTransport.class)
        .run(ctx -> {
          FailureAnalysis a = analysis(ctx);
          assertThat(a.getDescription()).contains("DataSource");
          assertThat(a.getAction()).contains("spring.datasource.url");
        });
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void aMissingSchemaFailsWhenItIsNotMigrated(Db db) {
    withHostTransport(db).withPropertyValues("herald.outbox.migrate-on-start=false").run(ctx -> {
      FailureAnalysis a = analysis(ctx);
      assertThat(a.getCause()).isInstanceOf(OutboxSchemaException.class);
      assertThat(a.getAction()).contains("herald.outbox.migrate-on-start=true");
    });
  }

  @Test
  void anUnreachableDatabaseFailsStartUpClearly() {
    Runners.on("jdbc:postgresql://127.0.0.1:1/herald?connectTimeout=2")
        .withUserConfiguration(HeraldAutoConfigurationTest.HostTransport.class)
        .withPropertyValues("spring.datasource.hikari.connection-timeout=2000")
        .run(ctx -> {
          FailureAnalysis a = analysis(ctx);
          assertThat(a.getDescription()).contains("could not reach its database");
          assertThat(((HeraldStartupException) a.getCause()).properties()).containsExactly("spring.datasource.url");
        });
  }
}
