package dev.herald.console;

import static dev.herald.console.testing.TestOutbox.HOSTILE;
import static dev.herald.console.testing.TestOutbox.HOSTILE_ERROR;
import static dev.herald.console.testing.TestOutbox.HOSTILE_ERROR_AS_STORED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.console.testing.TestOutbox;
import dev.herald.testing.ScriptedTransport;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The pages in a real headless Chromium (the system's {@code chromium} and {@code chromedriver},
 * which {@code scripts/test} installs), against a real outbox with a running engine: each page
 * loads, a recipient's timeline is followed to a notification, a dead letter is re-queued and seen
 * delivered, and hostile recipient ids and provider errors render as text. Screenshots of the pages
 * land in {@code target/screenshots} (and in {@code -Dherald.console.screenshots=<dir>} when given).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
  static final String CHROMIUM = System.getProperty("herald.test.chromium", "/usr/bin/chromium");
  static final String DRIVER = System.getProperty("herald.test.chromedriver", "/usr/bin/chromedriver");
  static final Duration WAIT = Duration.ofSeconds(30);

  TestOutbox t;
  Herald herald;
  ConsoleServer server;
  WebDriver browser;
  final Set<String> rejecting = ConcurrentHashMap.newKeySet();
  String base;

  @BeforeAll
  void start() throws Exception {
    if (!new File(CHROMIUM).canExecute() || !new File(DRIVER).canExecute()) {
      Assumptions.abort("SKIPPED: no Chromium (" + CHROMIUM + ") or chromedriver (" + DRIVER + ") on this machine; "
          + "scripts/test installs the Debian packages chromium and chromium-driver");
    }
    t = TestOutbox.h2();
    ScriptedTransport fcm = new ScriptedTransport(Channel.FCM).always(d -> CompletableFuture.completedFuture(
        d.target() instanceof DeviceTarget.FcmToken tok && tok.token().startsWith("tablet")
            ? Outcome.targetGone("UNREGISTERED", "FCM 404 UNREGISTERED: Requested entity was not found.")
            : rejecting.stream().anyMatch(k -> d.notificationKey().startsWith(k)) ? Outcome.rejected("400", "INVALID_ARGUMENT: "
                + (d.notificationKey().startsWith("hostile") ? HOSTILE_ERROR : "android.ttl is invalid"))
            : Outcome.delivered("projects/demo/messages/" + d.deliveryId())));
    EngineStatusListener engineStatus = EngineStatusListener.create();
    herald = Herald.builder().store(t.outbox).deviceRegistry(t.outbox).transport(fcm).listener(engineStatus)
        .pollInterval(Duration.ofMillis(100)).build();
    seed();
    herald.start();
    waitFor("the seeded notifications to settle", () -> List.of("reminder-1", "fixable", "hostile-1").stream()
        .allMatch(k -> t.outbox.find(k).map(s -> s.state().terminal()).orElse(false)));
    engineStatus.channelPaused(Channel.of("webhook"), Outcome.channelUnavailable("401", "signing key rejected"), Duration.ofMinutes(2));
    server = HeraldConsole.builder(t.outbox.admin()).engineStatus(engineStatus).actionsEnabled(true).build()
        .start(new InetSocketAddress("127.0.0.1", 0));
    base = server.url().toString();

    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1400,1000", "--lang=en-US");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER))
        .usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    browser.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
  }

  private void seed() {
    rejecting.add("fixable");
    rejecting.add("hostile");
    t.outbox.register("member-7", new DeviceTarget.FcmInstallation("phone-fid-0123456789"));
    t.outbox.register("member-7", new DeviceTarget.FcmToken("tablet-token-ABCDEF0123456789"));
    t.outbox.enqueue(Notification.builder("reminder-1").recipient(Recipient.id("member-7")).title("Your schedule starts now").build());
    t.outbox.register("member-8", new DeviceTarget.FcmInstallation("member-8-phone-fid"));
    t.outbox.enqueue(Notification.builder("fixable").recipient(Recipient.id("member-8")).title("Fix me").build());
    t.outbox.register(HOSTILE, new DeviceTarget.FcmInstallation("hostile-phone-fid"));
    t.outbox.enqueue(Notification.builder("hostile-1").recipient(Recipient.id(HOSTILE)).title(HOSTILE).build());
    for (int i = 0; i < 12; i++) {
      t.outbox.enqueue(Notification.builder("later-" + i).recipient(Recipient.device(new DeviceTarget.FcmInstallation("kiosk-" + i)))
          .title("Later " + i).notBefore(java.time.Instant.now().plusSeconds(3600)).build());
    }
    for (int i = 1; i <= 2; i++) {
      t.outbox.enqueue(Notification.builder("tomorrow-" + i).recipient(Recipient.id("member-7")).title("Tomorrow " + i)
          .notBefore(java.time.Instant.now().plusSeconds(86_400)).build());
    }
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (server != null) {
      server.close();
    }
    if (herald != null) {
      herald.close();
    }
    if (t != null) {
      t.close();
    }
  }

  private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  private void open(String path) {
    browser.get(base + path);
    ready();
  }

  private void ready() {
    new WebDriverWait(browser, WAIT).until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
  }

  private WebElement await(By by) {
    return new WebDriverWait(browser, WAIT).until(d -> {
      List<WebElement> found = d.findElements(by);
      return found.isEmpty() ? null : found.get(0);
    });
  }

  private Object js(String script) {
    return ((JavascriptExecutor) browser).executeScript(script);
  }

  private void screenshot(String name) throws IOException {
    Path file = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Path dir = Path.of("target", "screenshots");
    Files.createDirectories(dir);
    Files.copy(file, dir.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    String extra = System.getProperty("herald.console.screenshots", "");
    if (!extra.isEmpty()) {
      Files.createDirectories(Path.of(extra));
      Files.copy(file, Path.of(extra).resolve("console-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Nothing the data carried ran or became markup. */
  private void assertNothingInjected() {
    assertThat(js("return window.__pwned === undefined")).isEqualTo(true);
    assertThat(js("return document.querySelectorAll('img, iframe, object, embed').length")).isEqualTo(0L);
    assertThat(js("return document.scripts.length")).as("only the console's own script").isEqualTo(1L);
    assertThat(js("return Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes)"
        + ".some(a => a.name.startsWith('on'))).length")).isEqualTo(0L);
  }

  @Test
  @Order(1)
  void overviewShowsChannelsEnginePausesAndTheChart() throws Exception {
    open("");
    WebElement fcm = await(By.cssSelector("table.channels tr[data-channel='fcm']"));
    List<WebElement> cells = fcm.findElements(By.tagName("td"));
    assertThat(cells.get(0).getText()).isEqualTo("fcm");
    assertThat(cells.get(1).getText()).as("pending: the twelve later reminders").isEqualTo("12");
    assertThat(cells.get(5).getText()).as("dead").isEqualTo("2");
    assertThat(cells.get(6).getText()).as("delivered in the last hour").isEqualTo("1");
    assertThat(cells.get(8).getText()).as("gone in the last hour").isEqualTo("1");
    WebElement webhook = await(By.cssSelector("table.channels tr[data-channel='webhook']"));
    assertThat(webhook.getText()).contains("paused").contains("signing key rejected").contains("next probe");
    assertThat(browser.findElement(By.cssSelector(".chart")).getDomAttribute("data-total")).isEqualTo("4");
    assertThat(browser.findElements(By.cssSelector(".chart svg rect"))).isNotEmpty();
    assertThat(browser.findElement(By.id("mode")).getText()).isEqualTo("actions enabled");
    assertNothingInjected();
    screenshot("overview");
  }

  @Test
  @Order(2)
  void followARecipientsTimelineToANotification() throws Exception {
    open("");
    browser.findElement(By.cssSelector("nav a[data-nav='recipient']")).click();
    ready();
    WebElement input = await(By.id("recipient-id"));
    input.sendKeys("member-7");
    input.submit();
    ready();
    WebElement devices = await(By.cssSelector("table.devices"));
    assertThat(devices.findElement(By.cssSelector("tr[data-status='INVALID']")).getText())
        .contains("UNREGISTERED").contains("FcmToken[").doesNotContain("tablet-token-ABCDEF0123456789");
    assertThat(devices.findElement(By.cssSelector("tr[data-status='ACTIVE']")).getText()).contains("FcmInstallation[");
    List<WebElement> cards = browser.findElements(By.cssSelector("#notifications .card"));
    assertThat(cards).hasSize(3);
    assertThat(cards.get(0).getText()).contains("tomorrow-2").contains("PENDING").contains("Not expanded yet");
    assertThat(browser.findElement(By.id("older")).isDisplayed()).isFalse();
    WebElement reminder = cards.stream().filter(c -> c.getText().contains("reminder-1")).findFirst().orElseThrow();
    assertThat(reminder.getText()).contains("DELIVERED").contains("TARGET_GONE").contains("FCM 404 UNREGISTERED");
    screenshot("recipient");

    reminder.findElement(By.linkText("reminder-1")).click();
    ready();
    await(By.id("detail-key"));
    assertThat(browser.findElement(By.id("detail-key")).getText()).isEqualTo("reminder-1");
    assertThat(browser.findElement(By.cssSelector("table.deliveries")).getText()).contains("projects/demo/messages/");
    assertThat(browser.getCurrentUrl()).contains("notification?id=");
    screenshot("notification");
  }

  @Test
  @Order(3)
  void hostileRecipientIdsAndProviderErrorsRenderAsText() throws Exception {
    open("recipient?id=" + URLEncoder.encode(HOSTILE, StandardCharsets.UTF_8));
    await(By.id("recipient-title"));
    assertThat(js("return document.getElementById('recipient-title').textContent")).isEqualTo(HOSTILE);
    assertThat(js("return document.querySelector('#notifications .card .head bdi').textContent")).isEqualTo("hostile-1");
    assertNothingInjected();

    open("dead?recipient=" + URLEncoder.encode(HOSTILE, StandardCharsets.UTF_8));
    WebElement row = await(By.cssSelector("table.dead tbody tr[data-delivery]"));
    assertThat(js("return document.querySelector('table.dead tbody tr[data-delivery] td:last-child').textContent"))
        .isEqualTo("400: INVALID_ARGUMENT: " + HOSTILE_ERROR_AS_STORED);
    assertThat(js("return document.querySelector('input[name=recipient]').value")).isEqualTo(HOSTILE);
    assertNothingInjected();
    screenshot("hostile");
    // Its recipient link leads back to the same recipient, the id intact.
    row.findElements(By.tagName("a")).get(1).click();
    ready();
    await(By.id("recipient-title"));
    assertThat(js("return document.getElementById('recipient-title').textContent")).isEqualTo(HOSTILE);
    assertNothingInjected();
  }

  @Test
  @Order(4)
  void reQueueADeadLetterAndSeeItDelivered() throws Exception {
    rejecting.remove("fixable"); // the operator fixed the cause
    open("dead");
    WebElement row = await(By.xpath("//table[contains(@class,'dead')]//tr[td[3][normalize-space()='fixable']]"));
    assertThat(row.getText()).contains("android.ttl is invalid").contains("member-8");
    assertThat(browser.findElements(By.cssSelector("table.dead tbody tr[data-delivery]"))).hasSize(2);
    row.findElement(By.cssSelector("input.pick")).click();
    WebElement requeue = browser.findElement(By.id("requeue-selected"));
    assertThat(requeue.getText()).isEqualTo("Re-queue selected (1)");
    requeue.click();
    assertThat(await(By.id("confirm-text")).getText()).startsWith("Re-queue 1 selected dead letter?");
    screenshot("dead-letters");
    browser.findElement(By.id("confirm-yes")).click();
    assertThat(await(By.cssSelector("#dead-message .notice")).getText()).startsWith("Re-queued 1 dead letter");
    new WebDriverWait(browser, WAIT).until(d -> d.findElements(By.cssSelector("table.dead tbody tr[data-delivery]")).size() == 1);

    waitFor("the re-queued letter to be delivered",
        () -> t.outbox.find("fixable").map(s -> s.state() == DeliveryState.DELIVERED).orElse(false));
    open("notification?key=fixable");
    WebElement detail = await(By.cssSelector("table.deliveries"));
    assertThat(detail.getText()).contains("DELIVERED");
    assertThat(browser.findElement(By.cssSelector("#detail h2")).getText()).contains("DELIVERED");
  }

  @Test
  @Order(5)
  void reQueueAllMatchingAsksWithTheCount() throws Exception {
    open("dead?recipient=" + URLEncoder.encode(HOSTILE, StandardCharsets.UTF_8));
    await(By.cssSelector("table.dead tbody tr[data-delivery]"));
    browser.findElement(By.id("requeue-matching")).click();
    String question = await(By.id("confirm-text")).getText();
    assertThat(question).startsWith("Re-queue 1 dead letter matching recipient = ");
    browser.findElement(By.id("confirm-no")).click();
    assertThat(browser.findElements(By.id("confirm-text"))).isEmpty();
    assertThat(t.outbox.admin().deadLetters(dev.herald.outbox.jdbc.DeadLetterQuery.all().withRecipient(HOSTILE))).hasSize(1);
  }
}
