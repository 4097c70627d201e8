package dev.herald.fcm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.DeviceTarget.Platform;
import dev.herald.Herald;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.Scope;
import dev.herald.spi.InputValidator;
import dev.herald.testing.InMemoryOutboxStore;
import dev.herald.testing.RecordingListener;
import dev.herald.testing.Reply;
import dev.herald.testing.fcm.FakeFcm;
import dev.herald.testing.fcm.FcmRequest;
import dev.herald.testing.fcm.TestServiceAccount;
import dev.herald.testing.fcm.TokenRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several service accounts (one per Firebase project) against herald-testing's fake FCM, which
 * issues each account tokens for its own project only: every device is sent to its own project with its own
 * account's token, and when one project's credentials fail only that project's scope pauses.
 */
class FcmServiceAccountsTest extends FcmTestSupport {
  static final String STAFF_PROJECT = "staff-app";

  ServiceAccount customer() {
    return TestKeys.account("https://oauth2.googleapis.com/token");
  }

  /**
   * Another Firebase project with a service account of its own (a fresh RSA key), known to the fake
   * from now on.
   *
   * @return that account, as the host would load it from its file
   */
  ServiceAccount addProject(String projectId) {
    TestServiceAccount account = fcm.addServiceAccount(TestServiceAccount.generate(projectId));
    return ServiceAccount.fromJson(account.json("https://oauth2.googleapis.com/token"));
  }

  FcmTransport.Builder twoProjects(ServiceAccount staff) {
    return FcmTransport.builder().tokenUri(fcm.tokenUri()).baseUrl(fcm.baseUrl()).http2PriorKnowledge(true)
        .clock(clock).serviceAccount("customer", customer()).serviceAccount("staff", staff).defaultServiceAccount("customer");
  }

  static DeviceTarget.FcmToken token(String app, int i) {
    return new DeviceTarget.FcmToken(app + "-device-" + i + ":APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx");
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 30 s: " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void oneServiceAccountIsTheDefaultWhateverItsName() {
    FcmTransport t = track(builder().build());
    assertThat(t.serviceAccountNames()).containsExactly(FcmTransport.DEFAULT_ACCOUNT_NAME);
    assertThat(t.defaultServiceAccount()).isEqualTo("default");
    assertThat(t.toString()).contains("project=" + TestKeys.PROJECT);
    FcmTransport named = track(FcmTransport.builder().serviceAccount("shop", customer()).build());
    assertThat(named.defaultServiceAccount()).isEqualTo("shop");
    assertThat(named.scope(token("x", 1))).isEqualTo(Scope.of(Channel.FCM, "shop"));
  }

  @Test
  void severalAccountsNeedANamedDefaultThatIsOneOfThemAndEachItsOwnAccount() {
    ServiceAccount staff = addProject(STAFF_PROJECT);
    assertThatThrownBy(() -> FcmTransport.builder().serviceAccount("customer", customer()).serviceAccount("staff", staff).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("defaultServiceAccount must be set when there are several service accounts [customer, staff]: the"
            + " account of the devices that name none (registered before the others were added)");
    assertThatThrownBy(() -> FcmTransport.builder().serviceAccount("customer", customer()).serviceAccount("staff", staff)
        .defaultServiceAccount("shop").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("defaultServiceAccount \"shop\" is not one of the service accounts [customer, staff]");
    assertThatThrownBy(() -> FcmTransport.builder().serviceAccount("customer", customer()).serviceAccount("copy", customer())
        .defaultServiceAccount("customer").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("service accounts 'customer' and 'copy' are the same account (" + TestKeys.EMAIL + " for project "
            + TestKeys.PROJECT + "): give each name its own");
    FcmTransport t = track(twoProjects(staff).build());
    assertThat(t.serviceAccountNames()).containsExactly("customer", "staff");
    assertThat(t.toString()).contains("projects=[customer=demo-project, staff=staff-app], default=customer")
        .doesNotContain("PRIVATE KEY");
  }

  @Test
  void aServiceAccountWhoseTokenEndpointIsPrivateFailsTheBuildByName() {
    ServiceAccount metadata = ServiceAccount.fromJson(TestKeys.json(new java.util.LinkedHashMap<>(Map.of(
        "type", "service_account", "project_id", "other-app", "private_key", TestKeys.pem(TestKeys.privateKey()),
        "client_email", "x@other-app.iam.gserviceaccount.com", "token_uri", "https://169.254.169.254/token"))));
    assertThatThrownBy(() -> FcmTransport.builder().serviceAccount("customer", customer()).serviceAccount("other", metadata)
        .defaultServiceAccount("customer").build())
        .isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).problems()).singleElement()
            .satisfies(p -> assertThat(p.field()).isEqualTo("serviceAccount[other].token_uri")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "_staff", "staff app", "staff/ios"})
  void accountNamesAreCheckedWhenGiven(String name) {
    assertThatThrownBy(() -> FcmTransport.builder().serviceAccount(name, customer()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("serviceAccount name must be 1-64 of [A-Za-z0-9_.-] starting with a letter or digit: ");
  }

  @Test
  void theScopeIsTheAccountAndWhereKnownThePlatform() {
    FcmTransport t = track(twoProjects(addProject(STAFF_PROJECT)).build());
    assertThat(t.scope(token("c", 1))).isEqualTo(Scope.of(Channel.FCM, "customer"));
    assertThat(t.scope(token("c", 1).withServiceAccount("customer"))).as("the default named or not: one scope")
        .isEqualTo(t.scope(token("c", 1)));
    assertThat(t.scope(token("s", 1).withServiceAccount("staff").withPlatform(Platform.IOS)))
        .isEqualTo(Scope.of(Channel.FCM, "staff/ios"));
    assertThat(t.scope(new DeviceTarget.FcmInstallation(FID).withPlatform(Platform.ANDROID)).name())
        .isEqualTo("customer/android");
    assertThat(InputValidator.of(List.of(t)).scope(token("s", 2).withServiceAccount("staff"))).as("what a store records")
        .isEqualTo(Scope.of(Channel.FCM, "staff"));
  }

  @Test
  void aDeviceOfAnUnknownAccountIsRefusedAtRegistrationAndRejectedAtSend() {
    FcmTransport t = track(twoProjects(addProject(STAFF_PROJECT)).build());
    DeviceTarget.FcmToken device = token("s", 1).withServiceAccount("partner");
    assertThatThrownBy(() -> t.validate(device)).isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).problems()).singleElement().satisfies(p -> {
          assertThat(p.field()).isEqualTo("serviceAccount");
          assertThat(p.message()).isEqualTo("must name one of this transport's service accounts [customer, staff]: \"partner\"");
        }));
    Outcome o = await(t.send(delivery(device)));
    assertThat(o).isInstanceOf(Outcome.Rejected.class);
    assertThat(((Outcome.Rejected) o).reason()).contains("serviceAccount").contains("\"partner\"")
        .contains("which this transport does not have");
    assertThat(fcm.requestCount()).isZero();
  }

  @Test
  void eachDeviceIsSentToItsOwnProjectWithItsOwnAccountsToken() {
    FcmTransport t = track(twoProjects(addProject(STAFF_PROJECT)).build());
    assertThat(await(t.send(delivery(token("c", 1))))).isInstanceOf(Outcome.Delivered.class);
    assertThat(await(t.send(delivery(token("s", 1).withServiceAccount("staff"))))).isInstanceOf(Outcome.Delivered.class);
    assertThat(await(t.send(delivery(token("c", 2).withServiceAccount("customer"))))).isInstanceOf(Outcome.Delivered.class);
    assertThat(fcm.requests()).extracting(FcmRequest::project).containsExactly(TestKeys.PROJECT, STAFF_PROJECT, TestKeys.PROJECT);
    assertThat(requestProblems()).as("a token is accepted for its own project only").isEmpty();
    assertThat(fcm.tokenRequests()).extracting(TokenRequest::problem).containsOnlyNulls();
    assertThat(t.tokenRefreshCount()).as("one token per account").isEqualTo(2);
  }

  @Test
  void whenOneProjectsCredentialsFailOnlyItsScopePausesAndTheOtherProjectDeliversEverything() throws Exception {
    ServiceAccount staffAccount = addProject(STAFF_PROJECT);
    // The staff app's key was revoked: Google's token endpoint refuses that project's account alone.
    fcm.answerTokenRequests(STAFF_PROJECT, FakeFcm.tokenError(400, "invalid_grant", "Invalid JWT Signature."));
    FcmTransport t = track(twoProjects(staffAccount).build());
    RecordingListener events = new RecordingListener();
    InMemoryOutboxStore store = new InMemoryOutboxStore().scopes(InputValidator.of(List.of(t)));
    for (int i = 0; i < 20; i++) {
      store.register("staff-" + i, token("s", i).withServiceAccount("staff"));
      store.register("customer-" + i, token("c", i));
    }
    Scope staff = Scope.of(Channel.FCM, "staff");
    try (Herald herald = Herald.builder().store(store).transport(t).listener(events).instanceId("two-projects")
        .pollInterval(Duration.ofMillis(20)).channelPause(Duration.ofSeconds(1)).build()) {
      for (int i = 0; i < 20; i++) {
        herald.enqueue(Notification.builder("staff-" + i).recipient(Recipient.id("staff-" + i)).title("Shift").build());
        herald.enqueue(Notification.builder("customer-" + i).recipient(Recipient.id("customer-" + i)).title("Order").build());
      }
      herald.start();
      await(() -> IntStream.range(0, 20).allMatch(i -> state(herald, "customer-" + i) == DeliveryState.DELIVERED),
          "every customer notification");
      await(() -> herald.paused(staff), "the staff scope paused");
      assertThat(herald.paused(Scope.of(Channel.FCM, "customer"))).isFalse();
      assertThat(IntStream.range(0, 20).mapToObj(i -> state(herald, "staff-" + i)))
          .doesNotContain(DeliveryState.DELIVERED, DeliveryState.DEAD);
      assertThat(events.events("paused")).isNotEmpty().allMatch(e -> e.equals("paused fcm[staff]"));
      assertThat(fcm.acceptedCount(TestKeys.PROJECT)).isEqualTo(20);
      assertThat(fcm.acceptedCount(STAFF_PROJECT)).isZero();

      // The staff key is replaced at Google; once the token source's failure hold has passed, the
      // scope's probe gets a token and the staff backlog follows.
      fcm.answerTokenRequests(STAFF_PROJECT, null);
      clock.advance(Duration.ofSeconds(6));
      await(() -> IntStream.range(0, 20).allMatch(i -> state(herald, "staff-" + i) == DeliveryState.DELIVERED),
          "every staff notification after the fix");
      assertThat(events.events("resumed")).contains("resumed fcm[staff]");
    }
    assertThat(events.events("dead")).isEmpty();
    assertThat(fcm.acceptedCount(STAFF_PROJECT)).isEqualTo(20);
    assertThat(requestProblems()).isEmpty();
  }

  @Test
  void brokenApnsCredentialsOfOneProjectPauseItsIosScopeAloneWhileItsAndroidDevicesDeliver() throws Exception {
    FcmTransport t = track(builder().build());
    // THIRD_PARTY_AUTH_ERROR: the project's APNs key is broken, so FCM fails every iOS device.
    fcm.answerWith(r -> String.valueOf(r.target()).startsWith("ios") ? fixture("third-party-auth") : Reply.accept());
    RecordingListener events = new RecordingListener();
    InMemoryOutboxStore store = new InMemoryOutboxStore().scopes(InputValidator.of(List.of(t)));
    try (Herald herald = Herald.builder().store(store).transport(t).listener(events).instanceId("apns")
        .pollInterval(Duration.ofMillis(20)).channelPause(Duration.ofSeconds(30)).build()) {
      for (int i = 0; i < 10; i++) {
        herald.enqueue(Notification.builder("ios-" + i)
            .recipient(Recipient.device(token("ios", i).withPlatform(Platform.IOS))).title("t").build());
        herald.enqueue(Notification.builder("android-" + i)
            .recipient(Recipient.device(token("android", i).withPlatform(Platform.ANDROID))).title("t").build());
      }
      herald.start();
      await(() -> IntStream.range(0, 10).allMatch(i -> state(herald, "android-" + i) == DeliveryState.DELIVERED),
          "every Android notification");
      // The refused sends come back and are put back for the pause.
      await(() -> IntStream.range(0, 10).allMatch(i -> state(herald, "ios-" + i) == DeliveryState.PENDING),
          "every iOS notification waiting");
      assertThat(herald.pausedScopes()).containsExactly(Scope.of(Channel.FCM, "default/ios"));
      assertThat(events.events("paused")).containsExactly("paused fcm[default/ios]");
    }
    assertThat(events.events("dead")).isEmpty();
  }

  private static DeliveryState state(Herald herald, String key) {
    return herald.find(key).orElseThrow().state();
  }
}
